"""The file nodes on a real engine, in a temporary folder: every format round-trips (text,
JSON, CSV with dialects, Excel), on_exists rules, listing with globs, move / copy / delete (to
the trash, with HOME and XDG_DATA_HOME in the test's folder), clear errors, config problems and
trust for nodes that change files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.nodes.catalog import default_catalog
from tests.conftest import chain_workflow
from tests.flows import publish_reviewed, step_outputs
from tests.trash_home import use_home


def node(type_: str, **config: Any) -> dict[str, Any]:
    return {"type": type_, "config": config}


counter = iter(range(10_000))


async def run_nodes(engine: Engine, *nodes: dict[str, Any], input: Any = None) -> Any:
    """Run start -> nodes -> end (trusted) and return the run."""
    doc = chain_workflow(*nodes, wid=f"files{next(counter)}")
    return await engine.run(publish_reviewed(engine, doc), input or {})


def error_of(run: Any) -> str:
    assert run.status == "failed", run.output
    return str(run.error["message"])


ROWS = [
    {"id": "1", "name": "Ana, Jr.", "note": 'said "hi"'},
    {"id": "2", "name": "Bo", "note": "two\nlines"},
]


# -- round trips -------------------------------------------------------------------------------


async def test_text_round_trips_with_an_encoding(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "out" / "note.txt"
    run = await run_nodes(
        engine,
        node(
            "write_file",
            path=str(target),
            format="text",
            content="Grüße {{ input.who }}",
            encoding="latin-1",
        ),
        node("read_file", path=str(target), format="text", encoding="latin-1"),
        input={"who": "Zoë"},
    )
    assert run.status == "succeeded", run.error
    assert target.read_bytes() == "Grüße Zoë".encode("latin-1")
    written = step_outputs(engine, run.id)["n1"]
    assert written == {"path": str(target), "bytes": 9, "size": 9}
    assert run.output["content"] == "Grüße Zoë"


async def test_json_round_trips(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    data = {"items": [1, 2.5, None, True], "name": "ü", "nested": {"a": []}}
    run = await run_nodes(
        engine,
        node("write_file", path=str(target), format="json", content="{{ input }}"),
        node("read_file", path=str(target), format="json"),
        input=data,
    )
    assert run.status == "succeeded", run.error
    assert json.loads(target.read_text()) == data
    assert run.output["content"] == data


@pytest.mark.parametrize(
    ("delimiter", "quotechar"), [(",", '"'), (";", "'"), ("\\t", '"'), ("|", "'")]
)
async def test_csv_round_trips_with_dialects(
    engine: Engine, tmp_path: Path, delimiter: str, quotechar: str
) -> None:
    target = tmp_path / "rows.csv"
    dialect = {"delimiter": delimiter, "quotechar": quotechar}
    run = await run_nodes(
        engine,
        node("write_file", path=str(target), format="csv", content="{{ input.rows }}", **dialect),
        node("read_file", path=str(target), format="csv", **dialect),
        input={"rows": ROWS},
    )
    assert run.status == "succeeded", run.error
    assert run.output["content"] == ROWS and run.output["count"] == 2
    first_line = target.read_text().splitlines()[0]
    assert first_line == {"\\t": "\t"}.get(delimiter, delimiter).join(["id", "name", "note"])


async def test_csv_header_row_and_files_without_header(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text("\ufeffReport of May\nid;amount\n1;10\n2;32\n", encoding="utf-8")
    bare = tmp_path / "bare.csv"
    bare.write_text("a,1\nb,2\n")
    run = await run_nodes(
        engine,
        node("read_file", path=str(source), format="csv", delimiter=";", header_row=2),
        node("read_file", path=str(bare), format="csv", header_row=0),
    )
    assert run.status == "succeeded", run.error
    found = step_outputs(engine, run.id)
    assert found["n1"]["content"] == [{"id": "1", "amount": "10"}, {"id": "2", "amount": "32"}]
    assert found["n2"]["content"] == [
        {"column_1": "a", "column_2": "1"},
        {"column_1": "b", "column_2": "2"},
    ]


async def test_excel_round_trips_by_sheet_name_and_number(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    rows = [{"item": "pen", "qty": 3, "price": 1.5}, {"item": "ink", "qty": 1, "price": None}]
    run = await run_nodes(
        engine,
        node(
            "write_file",
            path=str(target),
            format="excel",
            content="{{ input.rows }}",
            sheet="Orders",
        ),
        node("read_file", path=str(target), format="excel", sheet="Orders"),
        node("read_file", path=str(target), format="excel", sheet=1),
        input={"rows": rows},
    )
    assert run.status == "succeeded", run.error
    found = step_outputs(engine, run.id)
    assert found["n2"]["content"] == rows
    assert found["n3"]["content"] == rows
    missing = await run_nodes(
        engine, node("read_file", path=str(target), format="excel", sheet="Nope")
    )
    assert error_of(missing) == f"read_file: {target}: no sheet 'Nope' (there are: Orders)"


async def test_excel_dates_read_as_iso_text(engine: Engine, tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["when", "n"])
    sheet.append([dt.datetime(2026, 12, 6, 9, 30), 7])
    book.save(tmp_path / "dates.xlsx")
    run = await run_nodes(
        engine, node("read_file", path=str(tmp_path / "dates.xlsx"), format="excel")
    )
    assert run.output["content"] == [{"when": "2026-12-06T09:30:00", "n": 7}]


# -- on_exists ---------------------------------------------------------------------------------


async def test_on_exists_replace_append_new_name_and_fail(engine: Engine, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("one\n")
    table = tmp_path / "table.csv"
    table.write_text("name,amount\nana,1\n")
    run = await run_nodes(
        engine,
        node("write_file", path=str(log), content="two\n", on_exists="append"),
        node(
            "write_file",
            path=str(table),
            format="csv",
            on_exists="append",
            content='{{ [{"amount": 2, "name": "bo"}] }}',
        ),
        node("write_file", path=str(log), content="other", on_exists="new_name"),
        node("write_file", path=str(log), content="third", on_exists="new_name"),
    )
    assert run.status == "succeeded", run.error
    assert log.read_text() == "one\ntwo\n"
    assert table.read_text() == "name,amount\nana,1\nbo,2\n"  # under the file's own header
    found = step_outputs(engine, run.id)
    assert found["n1"]["bytes"] == 4 and found["n1"]["size"] == 8
    assert found["n3"]["path"] == str(tmp_path / "log (1).txt")
    assert found["n4"]["path"] == str(tmp_path / "log (2).txt")
    assert (tmp_path / "log (2).txt").read_text() == "third"

    failed = await run_nodes(
        engine, node("write_file", path=str(log), content="x", on_exists="fail")
    )
    assert error_of(failed) == f"write_file: {log}: the file exists (on_exists is fail)"
    assert log.read_text() == "one\ntwo\n"
    replaced = await run_nodes(engine, node("write_file", path=str(log), content="new"))
    assert replaced.status == "succeeded" and log.read_text() == "new"


async def test_csv_append_refuses_columns_the_file_lacks(engine: Engine, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    run = await run_nodes(
        engine,
        node(
            "write_file",
            path=str(table),
            format="csv",
            on_exists="append",
            content='{{ [{"a": 1, "c": 3}] }}',
        ),
    )
    assert error_of(run) == f"write_file: {table}: column(s) c are not in the file's header (a, b)"
    assert table.read_text() == "a,b\n1,2\n"  # nothing half-written


async def test_missing_folder_is_created_or_named(engine: Engine, tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c.txt"
    run = await run_nodes(engine, node("write_file", path=str(deep), content="x"))
    assert run.status == "succeeded" and deep.read_text() == "x"
    other = tmp_path / "nope" / "c.txt"
    run = await run_nodes(
        engine, node("write_file", path=str(other), content="x", create_folders=False)
    )
    assert error_of(run) == (
        f"write_file: {other.parent}: the folder does not exist (turn on create_folders to make it)"
    )


# -- errors ------------------------------------------------------------------------------------


async def test_errors_name_the_node_the_path_and_the_cause(engine: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "y.csv"
    run = await run_nodes(engine, node("read_file", path=str(missing), format="csv"))
    assert error_of(run) == f"read_file: {missing}: No such file or directory"

    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{nope")
    run = await run_nodes(engine, node("read_file", path=str(bad_json), format="json"))
    assert error_of(run).startswith(f"read_file: {bad_json}: not valid JSON:")

    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    run = await run_nodes(engine, node("read_file", path=str(latin)))
    assert error_of(run) == (
        f"read_file: {latin}: not utf-8 text (byte 3); set the encoding the file was written in"
    )

    run = await run_nodes(engine, node("read_file", path=str(tmp_path)))
    assert error_of(run) == f"read_file: {tmp_path}: Is a directory"

    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("hello")
    run = await run_nodes(engine, node("read_file", path=str(not_excel), format="excel"))
    assert error_of(run).startswith(f"read_file: {not_excel}: not an Excel workbook")

    run = await run_nodes(engine, node("read_file", path="{{ input.file }}"), input={"file": ""})
    assert error_of(run) == "read_file: path is empty once filled in ('{{ input.file }}')"


async def test_home_expands_in_paths(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "hello.txt").write_text("hi")
    run = await run_nodes(engine, node("read_file", path="~/hello.txt"))
    assert run.output == {"content": "hi", "path": str(tmp_path / "hello.txt"), "bytes": 2}


# -- list_files --------------------------------------------------------------------------------


async def test_list_files_with_glob_recursion_and_kinds(engine: Engine, tmp_path: Path) -> None:
    tmp_path = tmp_path / "work"  # the data folder is next to it
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    for name in ("a.csv", "b.txt", "sub/c.csv", "sub/deeper/d.csv", ".hidden.csv"):
        (tmp_path / name).write_text("x" * 3)
    folder = str(tmp_path)
    run = await run_nodes(
        engine,
        node("list_files", folder=folder, pattern="*.csv"),
        node("list_files", folder=folder, pattern="*.csv", recursive=True),
        node("list_files", folder=folder, pattern="*", include="folders", recursive=True),
        node("list_files", folder=folder, pattern="*.csv", hidden=True),
    )
    assert run.status == "succeeded", run.error
    found = step_outputs(engine, run.id)
    assert [f["name"] for f in found["n1"]["files"]] == ["a.csv"]
    assert [f["name"] for f in found["n2"]["files"]] == ["a.csv", "c.csv", "d.csv"]
    assert [f["name"] for f in found["n3"]["files"]] == ["sub", "deeper"]
    assert [f["name"] for f in found["n4"]["files"]] == [".hidden.csv", "a.csv"]
    entry = found["n1"]["files"][0]
    assert entry["path"] == str(tmp_path / "a.csv") and entry["size"] == 3
    assert entry["is_dir"] is False
    assert entry["modified"].endswith("+00:00") and entry["created"].endswith("+00:00")
    assert found["n1"]["count"] == 1


async def test_list_files_refuses_a_glob_that_leaves_its_folder(
    engine: Engine, tmp_path: Path
) -> None:
    run = await run_nodes(
        engine,
        node("list_files", folder=str(tmp_path), pattern="{{ input.p }}"),
        input={"p": "../*"},
    )
    assert "goes up with '..'" in error_of(run)
    missing = tmp_path / "none"
    run = await run_nodes(engine, node("list_files", folder=str(missing)))
    assert error_of(run) == f"list_files: {missing}: No such file or directory"


# -- move, copy, delete ------------------------------------------------------------------------


async def test_move_and_copy_into_folders_and_by_name(engine: Engine, tmp_path: Path) -> None:
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    archive.mkdir()
    (inbox / "a.pdf").write_bytes(b"A" * 10)
    (archive / "a.pdf").write_bytes(b"old")
    run = await run_nodes(
        engine,
        node(
            "copy_file", source=str(inbox / "a.pdf"), destination=str(archive), on_exists="new_name"
        ),
        node("move_file", source=str(inbox / "a.pdf"), destination=str(tmp_path / "y" / "b.pdf")),
    )
    assert run.status == "succeeded", run.error
    found = step_outputs(engine, run.id)
    assert found["n1"] == {
        "source": str(inbox / "a.pdf"),
        "path": str(archive / "a (1).pdf"),
        "bytes": 10,
    }
    assert (archive / "a.pdf").read_bytes() == b"old"
    assert (archive / "a (1).pdf").read_bytes() == b"A" * 10
    assert found["n2"]["path"] == str(tmp_path / "y" / "b.pdf")
    assert not (inbox / "a.pdf").exists() and (tmp_path / "y" / "b.pdf").read_bytes() == b"A" * 10

    refused = await run_nodes(
        engine,
        node("move_file", source=str(archive / "a.pdf"), destination=str(archive / "a (1).pdf")),
    )
    assert (
        error_of(refused)
        == f"move_file: {archive / 'a (1).pdf'}: the file exists (on_exists is fail)"
    )
    assert (archive / "a.pdf").read_bytes() == b"old"
    replaced = await run_nodes(
        engine,
        node(
            "move_file",
            source=str(archive / "a.pdf"),
            destination=str(archive / "a (1).pdf"),
            on_exists="replace",
        ),
    )
    assert replaced.status == "succeeded"
    assert [p.name for p in archive.iterdir()] == ["a (1).pdf"]
    assert (archive / "a (1).pdf").read_bytes() == b"old"

    gone = await run_nodes(
        engine, node("copy_file", source=str(inbox / "zzz"), destination=str(archive))
    )
    assert error_of(gone) == f"copy_file: {inbox / 'zzz'}: No such file or directory"


async def test_delete_goes_to_the_trash_by_default(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    use_home(monkeypatch, home)
    doomed = home / "old.log"
    doomed.write_text("bye")
    gone = home / "gone.log"
    gone.write_text("for good")
    run = await run_nodes(
        engine,
        node("delete_file", path=str(doomed)),
        node("delete_file", path=str(gone), permanent=True),
        node("delete_file", path=str(home / "never.txt"), if_missing="ignore"),
    )
    assert run.status == "succeeded", run.error
    found = step_outputs(engine, run.id)
    assert found["n1"] == {"path": str(doomed), "deleted": True, "trashed": True}
    assert found["n2"] == {"path": str(gone), "deleted": True, "trashed": False}
    assert found["n3"] == {"path": str(home / "never.txt"), "deleted": False, "trashed": False}
    trash = home / ".local" / "share" / "Trash"
    assert not doomed.exists() and (trash / "files" / "old.log").read_text() == "bye"
    assert (trash / "info" / "old.log.trashinfo").is_file()
    assert not gone.exists() and not (trash / "files" / "gone.log").exists()

    missing = await run_nodes(engine, node("delete_file", path=str(home / "never.txt")))
    assert error_of(missing) == f"delete_file: {home / 'never.txt'}: No such file or directory"


# -- before a run: config problems and trust ---------------------------------------------------


def problems_of(type_: str, **config: Any) -> list[tuple[str, str]]:
    kind = next(t for t in default_catalog(load_packs=False) if t.type_name == type_)
    return kind.config_problems(kind.parse_config(config), None)  # type: ignore[arg-type]


def test_config_problems_show_before_a_run() -> None:
    assert problems_of("read_file", path="") == [("path", "give the path")]
    assert problems_of("read_file", path="x", encoding="klingon") == [
        ("encoding", "unknown encoding 'klingon'")
    ]
    assert problems_of("read_file", path="x", format="csv", delimiter=";;") == [
        ("delimiter", "the delimiter must be one character (or \\t)")
    ]
    assert problems_of("write_file", path="x", format="json", on_exists="append") == [
        ("on_exists", "append works for text and csv files, not json")
    ]
    assert problems_of("list_files", folder="/tmp", pattern="../*")[0][0] == "pattern"
    assert "absolute" in problems_of("list_files", folder="/tmp", pattern="/etc/*")[0][1]
    assert problems_of("list_files", folder="", pattern="*") == [("folder", "give the folder")]
    assert problems_of("move_file", source="a", destination="") == [
        ("destination", "give the destination")
    ]
    assert problems_of("read_file", path="{{ input. }}")[0][0] == "path"
    with pytest.raises(ValueError, match="format"):
        problems_of("read_file", path="x", format="yaml")


def test_nodes_that_change_files_need_trust_when_imported() -> None:
    kinds = {t.type_name: t for t in default_catalog(load_packs=False)}

    def needs(type_: str, **config: Any) -> bool:
        kind = kinds[type_]
        return kind.trust_text(kind.parse_config(config)) is not None

    assert needs("write_file", path="x")  # replace is the default
    assert needs("write_file", path="x", on_exists="append")
    assert not needs("write_file", path="x", on_exists="new_name")
    assert needs("move_file", source="a", destination="b")
    assert needs("delete_file", path="x")
    assert needs("copy_file", source="a", destination="b", on_exists="replace")
    assert not needs("copy_file", source="a", destination="b")
    assert not needs("read_file", path="x") and not needs("list_files", folder="x")


async def test_an_imported_delete_does_not_run_until_trusted(
    engine: Engine, tmp_path: Path
) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    doc = chain_workflow(node("delete_file", path=str(keep), permanent=True), wid="imported")
    engine.import_workflow(doc, publish=False)
    problems = [p.message for p in engine.validate(engine.workflows.draft("imported"), "imported")]
    assert any("a node that changes or deletes files" in m for m in problems), problems
    with pytest.raises(Exception, match="a node that changes or deletes files"):
        engine.workflows.publish("imported")
    assert keep.read_text() == "precious"


def test_output_schemas_name_what_each_node_outputs() -> None:
    kinds = {t.type_name: t for t in default_catalog(load_packs=False)}

    def fields(type_: str, **config: Any) -> dict[str, Any]:
        kind = kinds[type_]
        schema = kind.output_schema(kind.parse_config(config))
        assert schema is not None
        return dict(schema["properties"])

    csv = fields("read_file", path="x", format="csv")
    assert csv["content"]["type"] == "array" and set(csv) == {"content", "path", "bytes", "count"}
    assert fields("read_file", path="x")["content"] == {"type": "string"}
    assert set(fields("write_file", path="x")) == {"path", "bytes", "size"}
    listed = fields("list_files", folder="x")
    assert set(listed["files"]["items"]["properties"]) == {
        "name",
        "path",
        "size",
        "modified",
        "created",
        "is_dir",
    }
    assert set(fields("move_file", source="a", destination="b")) == {"source", "path", "bytes"}
    assert set(fields("delete_file", path="x")) == {"path", "deleted", "trashed"}
