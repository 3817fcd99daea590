"""Step outputs as exact, bounded JSON data.

A step's output is stored as JSON and read back by a resumed run, so what a node returns must be
JSON data that reads back as itself: dicts with text keys, lists, text, integers, finite
floats, booleans and None. Tuples become lists and subclasses of those types (an `IntEnum`, an
`OrderedDict`, a numpy float) become their plain type; anything else (a set, a datetime, bytes,
an object, NaN or infinity, a non-text key) is refused with its path and type, never `str()`-ed.
The encoded size is limited (`REN_MAX_OUTPUT_BYTES`, default 16 MiB).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

DEFAULT_MAX_OUTPUT_BYTES = 16 * 2**20
MAX_DEPTH = 400  # nesting levels; deeper data fails (Python's own limit is about 1,000)
LIMIT_ENV = "REN_MAX_OUTPUT_BYTES"

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_PLAIN_SCALARS = (str, int, bool, type(None))
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class NotJsonData(ValueError):
    """A value is not JSON data (the message names its path and type)."""


class OutputTooLarge(ValueError):
    """An output's JSON is over the size limit."""


class BadLimitSetting(ValueError):
    """`REN_MAX_OUTPUT_BYTES` is not a size."""


def max_output_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The output size limit: `REN_MAX_OUTPUT_BYTES` (bytes, or 512k, 16M, 1G: powers of
    1024, as `--max-body` takes them), or 16 MiB."""
    text = (os.environ if environ is None else environ).get(LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_OUTPUT_BYTES
    match = _SIZE.fullmatch(text)
    size = 0 if match is None else int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < 1:
        raise BadLimitSetting(f"{LIMIT_ENV}={text!r} is not a size (e.g. 1048576, 512k, 16M)")
    return size


def describe_size(size: float) -> str:
    """`18.2 MiB`, `512 KiB` or `300 bytes`."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(size)} bytes"


def encode_output(value: Any, limit: int, what: str = "output") -> tuple[Any, str]:
    """The value as it reads back from the database, and its JSON text.

    Raises NotJsonData naming the first offending path, or OutputTooLarge. Huge outputs are
    refused from a lower bound on their size found while checking them, before encoding.
    """
    check = _Check()
    problem = check.walk(value, 0)
    if problem is not None:
        path, message = problem
        raise NotJsonData(f"{_path(what, path)} {message}")
    if check.size > 2 * limit:  # clearly over: do not build the text just to refuse it
        raise OutputTooLarge(_too_large(what, check.size, limit, at_least=True))
    text = _encode(value)
    size = len(text) if text.isascii() else _utf8_size(text, value, what)
    if size > limit:
        raise OutputTooLarge(_too_large(what, size, limit, at_least=False))
    if check.converted:  # tuples, subclasses: hand on exactly what a resumed run reads back
        value = json.loads(text)
    return value, text


def _too_large(what: str, size: float, limit: int, at_least: bool) -> str:
    amount = f"at least {describe_size(size)}" if at_least else describe_size(size)
    return (
        f"{what} is {amount} of JSON, over the {describe_size(limit)} limit for one step "
        f"(set {LIMIT_ENV} to change it)"
    )


def _utf8_size(text: str, value: Any, what: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: SQLite cannot store it as text
        path = _find_surrogate(value, [])
        where = _path(what, path[::-1]) if path is not None else what
        raise NotJsonData(f"{where} holds a lone surrogate (not valid Unicode text)") from None


def _find_surrogate(value: Any, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        return None if _valid_text(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if not _valid_text(key):
                return path
            found = _find_surrogate(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _find_surrogate(item, [*path, index])
            if found is not None:
                return found
    return None


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Check:
    """One pass over a value: is it JSON data, does it need converting, a lower bound on size."""

    def __init__(self) -> None:
        self.size = 0  # characters its JSON has at least
        self.converted = False

    def walk(self, value: Any, depth: int) -> tuple[list[str | int], str] | None:
        """None, or (the path to the first problem, from the inside out; what is wrong).

        One Python frame per nesting level (MAX_DEPTH stays well under the recursion limit).
        """
        kind = type(value)
        if kind is str:
            self.size += len(value) + 2
            return None
        if kind in _PLAIN_SCALARS:
            self.size += 1
            return None
        if kind is float or (isinstance(value, float) and self._convert()):
            self.size += 3
            if math.isfinite(value):
                return None
            name = "NaN" if math.isnan(value) else "infinity" if value > 0 else "-infinity"
            return [], f"is {name}, not a JSON number"
        container = isinstance(value, dict | list | tuple)
        if container and depth >= MAX_DEPTH:
            return [], f"nests deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            if kind is not dict:
                self.converted = True
            self.size += 2 + len(value)
            for key, item in value.items():
                if type(key) is not str:
                    if not isinstance(key, str):
                        return [], f"has the key {key!r} ({_type_name(key)}); keys must be text"
                    self.converted = True
                self.size += len(key) + 2
                if type(item) is str:  # the common case, without a call
                    self.size += len(item) + 2
                    continue
                problem = self.walk(item, depth + 1)
                if problem is not None:
                    problem[0].append(key)
                    return problem
            return None
        if container:
            if kind is not list:
                self.converted = True
            self.size += 2 + len(value)
            for index, item in enumerate(value):
                if type(item) in _PLAIN_SCALARS:  # the common case, without a call
                    self.size += len(item) + 2 if type(item) is str else 1
                    continue
                problem = self.walk(item, depth + 1)
                if problem is not None:
                    problem[0].append(index)
                    return problem
            return None
        if isinstance(value, str | int) and self._convert():  # an IntEnum, a str subclass
            self.size += 1
            return None
        return [], f"is {_type_name(value)}, not JSON data"

    def _convert(self) -> bool:
        self.converted = True
        return True


def _type_name(value: Any) -> str:
    kind = type(value)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    if name in ("bytes", "bytearray"):
        return name
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def _path(root: str, inside_out: list[str | int]) -> str:
    """`output.items[3]` from the path parts (given from the inside out, as the walk finds them).
    A very deep path shows its first and last parts."""
    parts: list[str] = []
    for part in reversed(inside_out):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _NAME.fullmatch(part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=not _valid_text(part))}]")
    if len(parts) > 12:
        parts = [*parts[:4], f"…({len(parts) - 8} levels)…", *parts[-4:]]
    return root + "".join(parts)
