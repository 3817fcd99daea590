"""The credentials key: in the OS keyring, or in a 0600 key file where no keyring works.

The keyring entry is service "ren", user name the data folder's path, so each data folder has
its own key. Where the keyring has no usable backend (a headless Linux box falls back to
`keyring.backends.fail`), the key is the file `<data folder>/credentials.key`, created
atomically with mode 0600; a key file others can read is refused, not used. Losing the key loses
the credentials: a backup of the database without its key cannot decrypt them.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from app.credentials.kinds import CredentialError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "ren"
KEY_FILE = "credentials.key"


@dataclass(frozen=True)
class LoadedKey:
    key: bytes
    where: str  # "keyring" or the key file's path, for the settings page and docs


def load_key(root: Path, create: bool = True) -> LoadedKey | None:
    """The folder's key: from the keyring, else the key file; made when missing and `create`."""
    from_file = _read_key_file(root)
    if from_file is not None:  # a folder that once had no keyring keeps using its file
        return from_file
    in_keyring = _keyring_get(root)
    if in_keyring is not None:
        return LoadedKey(in_keyring.encode(), "keyring")
    if not create:
        return None
    key = Fernet.generate_key()
    if _keyring_set(root, key.decode()):
        return LoadedKey(key, "keyring")
    return _create_key_file(root, key)


def _keyring_get(root: Path) -> str | None:
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            return None
        return keyring.get_password(KEYRING_SERVICE, str(root))
    except Exception as err:  # a broken backend (no D-Bus, locked) means: no keyring
        log.info("the OS keyring is not usable (%s); using a key file", type(err).__name__)
        return None


def _keyring_set(root: Path, key: str) -> bool:
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            return False
        keyring.set_password(KEYRING_SERVICE, str(root), key)
        return keyring.get_password(KEYRING_SERVICE, str(root)) == key
    except Exception as err:
        log.info("cannot store the key in the OS keyring (%s); using a key file", err)
        return False


def key_file(root: Path) -> Path:
    return root / KEY_FILE


def _read_key_file(root: Path) -> LoadedKey | None:
    path = key_file(root)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if sys.platform != "win32" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(
            f"the credentials key file {path} can be read by other users "
            f"(mode {stat.S_IMODE(info.st_mode):o}); make it private with "
            f"'chmod 600 {path}' and start again"
        )
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise CredentialError(f"the credentials key file {path} does not hold a key") from None
    return LoadedKey(key, str(path))


def _create_key_file(root: Path, key: bytes) -> LoadedKey:
    """Write the key with O_EXCL and mode 0600 (never readable by others, even for a moment)."""
    path = key_file(root)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use that one
        found = _read_key_file(root)
        assert found is not None
        return found
    try:
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if sys.platform != "win32":
        os.chmod(path, 0o600)  # whatever the umask did
    return LoadedKey(key, str(path))
