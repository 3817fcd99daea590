"""The editor's sample-data helpers (app.ui.editor.samples): autocomplete at the cursor."""

from __future__ import annotations

from app.ui.editor.samples import complete_at, field_rows, suggest

NAMES = ["input", "input.amount", "input.who", "params", "params.amount", "nodes.ask.values.ok"]


def test_suggest_reads_the_name_left_of_the_cursor() -> None:
    assert suggest("input.am", NAMES) == ("input.am", ["input.amount"])
    text = "input.am > 1 and params.a"
    assert suggest(text, NAMES, cursor=8) == ("input.am", ["input.amount"])
    assert suggest(text, NAMES) == ("params.a", ["params.amount"])  # at the end
    assert suggest(text, NAMES, cursor=10) == ("", [])  # after "> ": nothing being typed
    assert suggest("{{ nodes.ask.v }} euros", NAMES, cursor=14) == (
        "nodes.ask.v",
        ["nodes.ask.values.ok"],
    )
    assert suggest("input", NAMES, cursor=99) == ("input", ["input.amount", "input.who"])


def test_complete_replaces_the_partial_name_and_puts_the_cursor_after_it() -> None:
    text = "input.am > 1 and params.a"
    assert complete_at(text, 8, "input.amount") == ("input.amount > 1 and params.a", 12)
    assert complete_at(text, len(text), "params.amount") == (
        "input.am > 1 and params.amount",
        30,
    )
    # in a template, in the middle of a sentence
    assert complete_at("Hi {{ par }}!", 9, "params") == ("Hi {{ params }}!", 12)
    # nothing typed at the cursor: the name is inserted there
    assert complete_at("a and ", 6, "input.who") == ("a and input.who", 15)
    assert complete_at("", 5, "input") == ("input", 5)


def test_a_time_field_also_says_when() -> None:
    rows = {r.text: r.shown for r in field_rows({"completed_at": 1796531111.73, "n_at": 5})}
    assert rows["completed_at"].startswith("1796531111.73 (2026-")
    assert rows["n_at"] == "5"  # too small to be a time
