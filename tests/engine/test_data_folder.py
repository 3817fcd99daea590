"""The data folder is private, and a broken one (damaged database, read-only, disk full) is
refused or reported with what to do, on a real engine and real files."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.lock import FolderLock
from app.engine.service import Engine
from app.store.errors import DatabaseCorrupt, DataFolderError, DiskFull
from tests.conftest import chain_workflow

NOBODY = 65534
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


async def run_once(home: Path) -> None:
    engine = Engine(home)
    await engine.start()
    try:
        engine.import_workflow(chain_workflow({"type": "log", "config": {"message": "hi"}}))
        assert (await engine.run("wf", {})).status == "succeeded"
        engine.logs.drain()  # the run log is written too
        assert {p.name for p in home.iterdir()} >= {"ren.sqlite", "engine.lock", "logs"}
        assert (home / "ren.sqlite-wal").exists()
        yield_modes = modes(home)
    finally:
        await engine.stop()
    assert all(
        mode == (0o700 if (home / name).is_dir() else 0o600) for name, mode in yield_modes.items()
    ), yield_modes


@posix_only
@pytest.mark.parametrize("umask", [0o022, 0o000])
async def test_folder_0700_and_every_file_0600_whatever_the_umask(home: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        await run_once(home)
    finally:
        os.umask(old)


@posix_only
async def test_an_existing_folder_with_wider_modes_is_tightened(home: Path) -> None:
    await run_once(home)
    home.chmod(0o755)
    for path in home.iterdir():
        path.chmod(0o755 if path.is_dir() else 0o644)
    old = os.umask(0o022)
    try:
        await run_once(home)
    finally:
        os.umask(old)


@posix_only
@pytest.mark.skipif(not ROOT, reason="switching to another user needs root")
async def test_another_user_cannot_read_the_database() -> None:
    with tempfile.TemporaryDirectory() as base:  # not under pytest's folder, which is 0700
        open_folder = Path(base)
        open_folder.chmod(0o755)  # the folders above are open: only Ren's modes keep others out
        home = open_folder / "ren-home"
        await run_once(home)
        # the control: that user does read a file left world-readable beside it
        shared = open_folder / "shared.txt"
        shared.write_text("public")
        shared.chmod(0o644)
        ok = subprocess.run(["cat", str(shared)], user=NOBODY, capture_output=True, text=True)
        assert ok.returncode == 0 and ok.stdout == "public"
        for target in (home / "ren.sqlite", home / "engine.lock"):
            denied = subprocess.run(
                ["cat", str(target)], user=NOBODY, capture_output=True, text=True
            )
            assert denied.returncode != 0
            assert "Permission denied" in denied.stderr


# -- a damaged database -----------------------------------------------------------------------


def damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    if how == "empty":
        db.write_bytes(b"")
    elif how == "garbage header":
        db.write_bytes(b"this is not SQLite" + data[18:])
    elif how == "truncated":
        db.write_bytes(data[: len(data) // 3])
    elif how == "garbage in the middle":
        page = 4096
        middle = len(data) // page // 2 * page
        db.write_bytes(data[:middle] + os.urandom(3 * page) + data[middle + 3 * page :])


@pytest.fixture
def used_home(home: Path) -> Iterator[Path]:
    """A data folder with a checkpointed database holding a run (no -wal left)."""
    asyncio.run(run_once(home))
    with sqlite3.connect(home / "ren.sqlite") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        (home / f"ren.sqlite{suffix}").unlink(missing_ok=True)
    yield home


@pytest.mark.parametrize("how", ["empty", "garbage header", "truncated", "garbage in the middle"])
def test_a_damaged_database_is_refused_with_what_to_do(used_home: Path, how: str) -> None:
    db = used_home / "ren.sqlite"
    damage(db, how)
    before = db.read_bytes()
    with pytest.raises(DatabaseCorrupt) as caught:
        Engine(used_home)
    message = str(caught.value)
    assert message.startswith(f"the database {db} is damaged (")
    assert "move it aside" in message and "ren.sqlite.broken" in message
    assert db.read_bytes() == before  # left as it was, never made into a new database
    lock = FolderLock(used_home)
    lock.acquire()  # the refused engine let go of the folder's lock
    lock.release()


def test_the_message_points_to_the_last_migration_backup(used_home: Path) -> None:
    backup = used_home / "ren.sqlite.v3.bak"
    shutil.copy(used_home / "ren.sqlite", backup)
    damage(used_home / "ren.sqlite", "garbage header")
    with pytest.raises(DatabaseCorrupt, match=r"copy ren\.sqlite\.v3\.bak to ren\.sqlite"):
        Engine(used_home)


def test_a_new_database_is_never_an_empty_file(home: Path) -> None:
    engine = Engine(home)
    try:
        assert (home / "ren.sqlite").stat().st_size > 0
        assert not (home / "ren.sqlite.new").exists()
    finally:
        asyncio.run(engine.stop())


# -- read-only folder and disk full, on a real small file system -----------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and a kernel that lets this process mount)."""
    point = tmp_path / "small"
    point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_read_only_data_folder_is_refused_clearly(tmpfs: Path) -> None:
    home = tmpfs / "home"
    asyncio.run(run_once(home))
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    with pytest.raises(
        DataFolderError, match=re.escape(f"the data folder {home} is read-only for you")
    ):
        Engine(home)
    with pytest.raises(
        DataFolderError, match=r"cannot create the data folder .*: the disk is read-only"
    ):
        Engine(tmpfs / "new")


async def test_disk_full_fails_the_write_and_leaves_the_database_consistent(
    tmpfs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmpfs / "home"
    engine = Engine(home)
    await engine.start()
    try:
        set_node = {"type": "set", "config": {"values": {"x": "{{ input.pad }}"}}}
        engine.import_workflow(chain_workflow(set_node))
        first = await engine.run("wf", {"pad": "small"})
        free = shutil.disk_usage(tmpfs).free
        (tmpfs / "filler").write_bytes(b"x" * (free - 40_000))
        with pytest.raises(DiskFull) as caught:
            await engine.run("wf", {"pad": "y" * 200_000})
        assert str(caught.value).startswith(f"the disk holding the data folder {home} is full")
        assert "runs continue from their last saved step" in str(caught.value)
        (tmpfs / "filler").unlink()
        assert [r.id for r in engine.list_runs()] == [first.id]  # nothing half-written
        assert (await engine.run("wf", {"pad": "again"})).status == "succeeded"  # goes on
    finally:
        await engine.stop()
    with sqlite3.connect(home / "ren.sqlite") as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    conn.close()
    assert "cannot rollback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_big_database_is_checked_in_the_background_and_a_fault_logged(
    used_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.store import integrity

    monkeypatch.setattr(integrity, "QUICK_CHECK_MAX_BYTES", 0)  # every file is "big"
    db = used_home / "ren.sqlite"
    with sqlite3.connect(db) as conn:  # pages Ren never reads at start, at the end of the file
        conn.execute("CREATE TABLE filler (data BLOB)")
        conn.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(900),) for _ in range(200)])
    conn.close()
    page = 4096
    data = db.read_bytes()
    db.write_bytes(data[: -3 * page] + os.urandom(3 * page))  # damaged, but the schema reads
    engine = Engine(used_home)  # the cheap checks at start pass: the header and schema are fine
    await engine.start()
    try:
        assert engine.quick_check is not None
        engine.quick_check.join(timeout=30)
        assert engine.quick_check.problem is not None  # what the app shows on every page
        assert engine.quick_check.problem.startswith(f"the database {used_home / 'ren.sqlite'}")
    finally:
        await engine.stop()
    (record,) = [r for r in caplog.records if r.name == "app.store.integrity"]
    assert record.levelno == logging.ERROR and not record.exc_info
    assert record.getMessage().startswith(f"the database {used_home / 'ren.sqlite'} is damaged")
