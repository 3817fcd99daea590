"""Turning file bytes into data and back, per format: text, JSON, CSV (with its dialect) and
Excel workbooks (openpyxl). CSV and Excel rows are objects keyed by the header row's names
(`column_1`, `column_2`, … without one); values Excel keeps as dates come back as ISO text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["text", "json", "csv", "excel"]
BOM = "\ufeff"


class FormatError(ValueError):
    """The content does not fit the format (bad JSON, a sheet that is not there, …)."""


@dataclass(frozen=True)
class Dialect:
    """How a CSV or Excel file is laid out."""

    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    header_row: int = 1  # 1-based row that names the columns; 0: none (rows above are skipped)
    sheet: str | int | None = None  # Excel: a name or a 1-based number; None: the first


def delimiter_of(value: str) -> str:
    """`\\t` or `tab` as typed in a form → a tab character."""
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(value, value)


# -- reading -----------------------------------------------------------------------------------


def parse(data: bytes, fmt: Format, dialect: Dialect) -> Any:
    if fmt == "excel":
        return read_excel(data, dialect)
    text = data.decode(dialect.encoding)
    if fmt == "text":
        return text
    text = text.removeprefix(BOM)  # a UTF-8 BOM (Excel's CSV export) is not data
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise FormatError(f"not valid JSON: {err.msg} at line {err.lineno}") from None
    return read_csv(text, dialect)


def read_csv(text: str, dialect: Dialect) -> list[dict[str, Any]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter_of(dialect.delimiter),
        quotechar=dialect.quotechar,
        strict=True,
    )
    try:
        rows = [row for row in reader if row]
    except csv.Error as err:
        raise FormatError(f"not valid CSV at line {reader.line_num}: {err}") from None
    return rows_to_objects(rows, dialect.header_row)


def rows_to_objects(rows: Sequence[Sequence[Any]], header_row: int) -> list[dict[str, Any]]:
    if header_row <= 0:
        return [{f"column_{i}": v for i, v in enumerate(row, 1)} for row in rows]
    if len(rows) < header_row:
        return []
    header = [_column_name(name, i) for i, name in enumerate(rows[header_row - 1], 1)]
    objects = []
    for row in rows[header_row:]:
        item = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header)}
        for i in range(len(header), len(row)):  # more cells than names
            item[f"column_{i + 1}"] = row[i]
        objects.append(item)
    return objects


def _column_name(name: Any, index: int) -> str:
    text = "" if name is None else str(name).strip()
    return text or f"column_{index}"


def read_excel(data: bytes, dialect: Dialect) -> list[dict[str, Any]]:
    from openpyxl import load_workbook  # only when an Excel file is read

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a file that is no workbook
        raise FormatError(f"not an Excel workbook (.xlsx): {err}") from None
    try:
        names = book.sheetnames
        sheet = dialect.sheet
        if sheet is None or sheet == "":
            name = names[0]
        elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
            number = int(sheet)
            if str(sheet) in names:
                name = str(sheet)
            elif 1 <= number <= len(names):
                name = names[number - 1]
            else:
                raise FormatError(f"the workbook has {len(names)} sheet(s), not a sheet {number}")
        elif sheet in names:
            name = sheet
        else:
            raise FormatError(f"no sheet '{sheet}' (there are: {', '.join(names)})")
        rows = [
            [_cell(v) for v in row]
            for row in book[name].iter_rows(values_only=True)
            if any(v is not None for v in row)
        ]
    finally:
        book.close()
    return rows_to_objects(rows, dialect.header_row)


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


# -- writing -----------------------------------------------------------------------------------


def serialize(content: Any, fmt: Format, dialect: Dialect, header: bool = True) -> bytes:
    """The bytes of a whole file holding `content`."""
    if fmt == "text":
        return as_text(content).encode(dialect.encoding)
    if fmt == "json":
        return (json.dumps(content, ensure_ascii=False, indent=2) + "\n").encode(dialect.encoding)
    if fmt == "csv":
        return write_csv(content, dialect, header, columns=None).encode(dialect.encoding)
    return write_excel(content, dialect, header)


def as_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False, indent=2)


def table(content: Any) -> tuple[list[str] | None, list[list[Any]]]:
    """Content as a table: (column names, rows). Objects give names (in first-seen order);
    lists of lists give none. One object is one row."""
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        raise FormatError(
            f"expected a list of rows (objects or lists), got {type(content).__name__}"
        )
    if all(isinstance(row, dict) for row in content):
        names: dict[str, None] = {}
        for row in content:
            names.update(dict.fromkeys(str(k) for k in row))
        columns = list(names)
        return columns, [[row.get(c) for c in columns] for row in content]
    if all(isinstance(row, list | tuple) for row in content):
        return None, [list(row) for row in content]
    raise FormatError("rows must be all objects or all lists")


def write_csv(content: Any, dialect: Dialect, header: bool, columns: list[str] | None) -> str:
    """CSV text for `content`. `columns`: an existing file's header to append under (objects'
    keys must be among them); None: the header comes from the content."""
    if isinstance(content, str):  # already CSV text
        return content if content.endswith("\n") or not content else content + "\n"
    names, rows = table(content)
    if columns is not None and names is not None:
        extra = [n for n in names if n not in columns]
        if extra:
            raise FormatError(
                f"column(s) {', '.join(extra)} are not in the file's header ({', '.join(columns)})"
            )
        rows = [[dict(zip(names, row, strict=True)).get(c) for c in columns] for row in rows]
        names = None  # the file has its header
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=delimiter_of(dialect.delimiter),
        quotechar=dialect.quotechar,
        lineterminator="\n",
    )
    if header and names is not None:
        writer.writerow(names)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def csv_header(text: str, dialect: Dialect) -> list[str] | None:
    """The column names of an existing CSV file's header row (None when it has none)."""
    if dialect.header_row <= 0:
        return None
    reader = csv.reader(
        io.StringIO(text.removeprefix(BOM), newline=""),
        delimiter=delimiter_of(dialect.delimiter),
        quotechar=dialect.quotechar,
    )
    rows = list(itertools.islice(reader, dialect.header_row))
    if len(rows) < dialect.header_row or not rows[-1]:
        return None
    return [_column_name(n, i) for i, n in enumerate(rows[-1], 1)]


def write_excel(content: Any, dialect: Dialect, header: bool) -> bytes:
    from openpyxl import Workbook

    names, rows = table(content)
    book = Workbook(write_only=True)
    sheet_name = str(dialect.sheet) if dialect.sheet not in (None, "") else "Sheet1"
    sheet = book.create_sheet(title=sheet_name[:31])
    if header and names is not None:
        sheet.append(names)
    for row in rows:
        sheet.append([_excel_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
