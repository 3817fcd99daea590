"""Sizes as people type them (`--max-body 16M`): bytes, or a number with k, M or G."""

from __future__ import annotations

MIB = 1024 * 1024
DEFAULT_SERVER_LIMIT = 16 * MIB  # any request body, any route (`--max-body`)


def parse_size(text: str) -> int:
    """A size as `--max-body` takes it: bytes, or with a unit: 512k, 16M, 1G (powers of 1024)."""
    units = {"k": 1024, "m": MIB, "g": 1024 * MIB}
    cleaned = text.strip().lower().removesuffix("b").removesuffix("i")
    factor = units.get(cleaned[-1:], 1)
    number = cleaned[:-1] if cleaned[-1:] in units else cleaned
    try:
        size = int(float(number) * factor)
    except (ValueError, OverflowError):
        raise ValueError(f"'{text}' is not a size (e.g. 1048576, 512k, 16M)") from None
    if size < 1:
        raise ValueError(f"'{text}' is not a size of at least one byte")
    return size
