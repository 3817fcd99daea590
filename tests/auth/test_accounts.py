"""Accounts, sessions, tokens and roles on a real database, and `ren users` / `ren tokens` as
real processes: what they accept, what they refuse (and say why), and what a change ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.auth.accounts import AccountError, Accounts
from app.auth.db import AuthDb
from app.auth.principal import (
    ADMIN,
    ASSIGNEE,
    EDITOR,
    OPERATOR,
    RUNS_CONTROL,
    TASKS_COMPLETE,
    WORKFLOWS_WRITE,
    AuthProblem,
    Principal,
)
from app.auth.ratelimit import LoginLimiter
from app.auth.sessions import Sessions
from app.engine.paths import DataFolder
from tests.auth.lan_server import ren


@pytest.fixture
def db(tmp_path: Path) -> Iterator[AuthDb]:
    opened = AuthDb(DataFolder.resolve(tmp_path / "home").db_path)
    yield opened
    opened.close()


def test_roles_have_what_their_names_say() -> None:
    table = {
        role: [Principal("x", role).can(p) for p in (WORKFLOWS_WRITE, RUNS_CONTROL, TASKS_COMPLETE)]
        for role in (ADMIN, EDITOR, OPERATOR, ASSIGNEE)
    }
    assert table == {
        ADMIN: [True, True, True],
        EDITOR: [True, True, True],
        OPERATOR: [False, True, True],
        ASSIGNEE: [False, False, True],
    }
    with pytest.raises(AuthProblem) as refused:
        Principal("ann", ASSIGNEE).require(RUNS_CONTROL)
    assert refused.value.status_code == 403
    assert refused.value.body()["error"]["kind"] == "forbidden"
    assert "runs.control" in refused.value.body()["error"]["message"]
    assert Principal("x", "no such role").can(TASKS_COMPLETE) is False


def test_an_assignee_sees_tasks_for_them_and_their_groups_only() -> None:
    ann = Principal("ann", ASSIGNEE, frozenset({"finance"}))
    assert ann.may_see_task("ann")
    assert ann.may_see_task("group:finance") and ann.may_see_task("finance")
    assert ann.may_see_task(None, "finance")
    assert not ann.may_see_task("bob") and not ann.may_see_task(None)
    assert not ann.may_see_task("group:sales")
    assert Principal("olga", OPERATOR).may_see_task("bob")


def test_accounts_refuse_bad_input_and_keep_one_admin(db: AuthDb) -> None:
    accounts = Accounts(db)
    for name, password, role, says in (
        ("Ann Smith", "long-enough", ASSIGNEE, "not allowed"),
        ("local", "long-enough", ASSIGNEE, "reserved"),
        ("ann", "short", ASSIGNEE, "too short"),
        ("ann", "long-enough", "boss", "not one of"),
    ):
        with pytest.raises(AccountError, match=says):
            accounts.add(name, password, role)
    assert accounts.all() == []
    accounts.add("alice", "alice-password", ADMIN)
    with pytest.raises(AccountError, match="already"):
        accounts.add("alice", "alice-password", ADMIN)
    with pytest.raises(AccountError, match="only admin"):
        accounts.remove("alice")
    assert accounts.verify("alice", "alice-password") is not None
    assert accounts.verify("alice", "wrong-password") is None
    assert accounts.verify("nobody", "alice-password") is None


def test_sessions_end_when_idle_too_long_or_too_old_or_on_a_new_password(db: AuthDb) -> None:
    accounts = Accounts(db)
    accounts.add("ann", "ann-password", ASSIGNEE)
    sessions = Sessions(db, accounts, idle_s=3600, absolute_s=7200)
    fresh = sessions.start("ann")
    assert sessions.principal_for(fresh) == Principal("ann", ASSIGNEE, frozenset(), "session")
    idle, old = sessions.start("ann"), sessions.start("ann")
    now = time.time()
    db.execute("UPDATE sessions SET seen_at = ? WHERE id_hash != ?", (now - 3601, "-"))
    assert sessions.principal_for(idle) is None  # unused for more than an hour
    db.execute("UPDATE sessions SET created_at = ?, seen_at = ?", (now - 7201, now))
    assert sessions.principal_for(old) is None  # older than two hours, though just used
    again = sessions.start("ann")
    accounts.set_password("ann", "new-ann-password")
    assert sessions.principal_for(again) is None
    assert sessions.principal_for("s_forged") is None


def test_the_login_limit_doubles_and_a_success_clears_it(db: AuthDb) -> None:
    now = [1000.0]
    limiter = LoginLimiter(db, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.wait_s("10.0.0.5", "ann") == 0
        limiter.failed("10.0.0.5", "ann")
    assert limiter.wait_s("10.0.0.5", "ann") == 5
    assert limiter.wait_s("10.0.0.6", "ann") == 0  # another address
    limiter.failed("10.0.0.5", "ann")
    assert limiter.wait_s("10.0.0.5", "ann") == 10
    now[0] += 10
    assert limiter.wait_s("10.0.0.5", "ann") == 0
    limiter.succeeded("10.0.0.5", "ann")
    limiter.failed("10.0.0.5", "ann")
    assert limiter.wait_s("10.0.0.5", "ann") == 0
    for _ in range(3):
        limiter.failed("10.0.0.7", "bob")
    assert LoginLimiter(db, clock=lambda: now[0]).wait_s("10.0.0.7", "bob") == 5  # kept in the db
    now[0] += 2 * 24 * 3600
    limiter.failed("10.0.0.8", "cy")  # prunes what is older than a day
    assert db.rows("SELECT address FROM login_attempts") == [{"address": "10.0.0.8"}]


def test_users_and_tokens_on_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = ren(home, "users", "add", "alice", "--admin", "--password-stdin", stdin="pw-alice-1\n")
    assert (added.returncode, added.stdout.strip()) == (0, "Added alice (admin).")
    ren(home, "users", "add", "bob", "--group", "ops", "--password-stdin", stdin="pw-bob-12\n")
    listed = ren(home, "users", "list", "--json")
    assert '"name": "bob"' in listed.stdout and '"groups": [\n      "ops"' in listed.stdout
    short = ren(home, "users", "add", "carl", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "too short" in short.stderr
    empty = ren(home, "users", "add", "carl", "--password-stdin", stdin="")
    assert empty.returncode == 2 and "stdin had no password" in empty.stderr
    no_tty = ren(home, "users", "passwd", "bob")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    unknown = ren(home, "tokens", "create", "nobody")
    assert unknown.returncode == 2 and "no user 'nobody'" in unknown.stderr
    last = ren(home, "users", "remove", "alice")
    assert last.returncode == 2 and "only admin" in last.stderr
    made = ren(home, "tokens", "create", "bob", "--label", "ci")
    secret, token_id = made.stdout.strip(), made.stderr.split()[1]
    assert secret.startswith("ren_") and len(secret) > 40
    tokens = ren(home, "tokens", "list").stdout
    assert token_id in tokens and "active" in tokens and secret not in tokens
    assert ren(home, "users", "remove", "bob").returncode == 0
    assert token_id not in ren(home, "tokens", "list").stdout  # removed with its owner
