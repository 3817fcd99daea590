"""Start Ren at login: one description of the headless server (`ren worker`), written as a
systemd user unit (Linux), a LaunchAgent (macOS) or a logon task / Startup entry (Windows)."""
