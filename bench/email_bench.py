"""What a send_email step and a notify (app) step cost, against a local aiosmtpd server.

    .venv/bin/python bench/email_bench.py [--messages 20] [--repeats 5]

- direct: the transport alone (`send_message`: connect, log in, send, quit) N times;
- email step: a run of N send_email steps in a chain, minus a run of N `set` steps (the cost
  every durable step has), so what is left is the SMTP exchange plus the node;
- notify step: a run of N notify steps (channel app: one row in the notification list each),
  minus the same `set` run.

Printed are the medians per message / step over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.credentials.vault import folder_vault
from app.engine.service import Engine
from app.nodes.email_message import Draft, build
from app.nodes.email_smtp import SmtpAccount, send_message
from tests.flows import chain
from tests.nodes.smtp_server import PASSWORD, USER, start_server


async def timed_run(engine: Engine, wid: str) -> float:
    started = time.perf_counter()
    run = await engine.run(wid, {})
    assert run.status == "succeeded", run.error
    return time.perf_counter() - started


async def main(messages: int, repeats: int) -> None:
    server = start_server()
    account = SmtpAccount("127.0.0.1", server.port, "none", USER, PASSWORD, "ren@example.com")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        engine = Engine(home)
        await engine.start()
        folder_vault(home).put(
            "mail",
            "smtp",
            {
                "host": "127.0.0.1",
                "port": server.port,
                "security": "none",
                "username": USER,
                "password": PASSWORD,
                "from": "ren@example.com",
            },
        )
        email = {
            "type": "send_email",
            "config": {
                "credential": "mail",
                "to": ["a@example.com"],
                "subject": "Hi",
                "text": "Hello",
            },
        }
        engine.import_workflow(chain("email", *[email] * messages))
        engine.import_workflow(
            chain(
                "notify",
                *[{"type": "notify", "config": {"title": "Hi", "channel": "app"}}] * messages,
            )
        )
        engine.import_workflow(
            chain("set", *[{"type": "set", "config": {"values": {"x": 1}}}] * messages)
        )
        direct, email_steps, notify_steps = [], [], []
        draft = Draft(
            sender=("", "ren@example.com"), to=[("", "a@example.com")], subject="Hi", text="Hello"
        )
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(messages):
                await send_message(account, build(draft), ["a@example.com"])
            direct.append((time.perf_counter() - started) / messages)
            base = await timed_run(engine, "set")
            email_steps.append((await timed_run(engine, "email") - base) / messages)
            notify_steps.append((await timed_run(engine, "notify") - base) / messages)
        await engine.stop()
    server.controller.stop()
    ms = 1000
    print(f"direct SMTP send (new connection, login): {statistics.median(direct) * ms:.2f} ms")
    print(f"send_email step over a set step:          {statistics.median(email_steps) * ms:.2f} ms")
    print(
        f"notify (app) step over a set step:        {statistics.median(notify_steps) * ms:.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeats))
