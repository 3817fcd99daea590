"""Text for retrieval: splitting into overlapping chunks, and documents from files or run data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".csv", ".json", ".html", ".xml"})
MAX_FILE_BYTES = 5_000_000
MAX_FILES = 5_000


def split_text(text: str, size: int, overlap: int) -> list[str]:
    """Chunks of at most `size` characters, cut at paragraph, line, sentence or word ends where
    possible; each chunk after the first starts with the last `overlap` characters of the one
    before it (at a word start)."""
    text = text.strip()
    if not text:
        return []
    pieces = _pieces(text, size)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > size:
            chunks.append(current.strip())
            current = _tail(current, min(overlap, size - len(piece)))
        current += piece
    if current.strip():
        chunks.append(current.strip())
    return chunks


def _pieces(text: str, size: int) -> list[str]:
    """The text cut after separators, coarsest first, into pieces no longer than `size`."""
    out: list[str] = []
    for part in re.split(r"(?<=\n\n)", text):
        if len(part) <= size:
            out.append(part)
            continue
        for sentence in re.split(r"(?<=[.!?\n])\s+", part):
            sentence += " "
            while len(sentence) > size:
                cut = sentence.rfind(" ", 0, size)
                cut = cut if cut > 0 else size
                out.append(sentence[:cut] + " ")
                sentence = sentence[cut:].lstrip()
            out.append(sentence)
    return out


def _tail(chunk: str, overlap: int) -> str:
    if overlap <= 0:
        return ""
    tail = chunk[-overlap:]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail


def read_documents(folder: Path, pattern: str) -> list[dict[str, Any]]:
    """The text files under `folder` matching `pattern`, as documents (blocking)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"documents: {folder}: no such folder")
    found = sorted(p for p in folder.glob(pattern) if p.is_file() and p.suffix in TEXT_SUFFIXES)
    if len(found) > MAX_FILES:
        raise ValueError(f"documents: {len(found)} files match '{pattern}', over {MAX_FILES}")
    documents: list[dict[str, Any]] = []
    for path in found:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"documents: {path}: {size} bytes, over {MAX_FILE_BYTES}")
        text = path.read_text(encoding="utf-8", errors="replace")
        relative = path.relative_to(folder).as_posix()
        documents.append({"id": relative, "text": text, "metadata": {"source": str(path)}})
    return documents


def documents_of(value: Any, where: str) -> list[dict[str, Any]]:
    """Documents from run data: a text, a list of texts, or objects with `text` (or `content`)
    and optionally `id` and `metadata`."""
    items = value if isinstance(value, list) else [value]
    documents: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if isinstance(item, str):
            documents.append({"id": str(n), "text": item, "metadata": {}})
            continue
        if not isinstance(item, dict):
            raise ValueError(
                f"{where}[{n}]: expected a text or an object, got {type(item).__name__}"
            )
        text = item.get("text", item.get("content"))
        if not isinstance(text, str):
            raise ValueError(f"{where}[{n}]: needs 'text' (or 'content') holding text")
        metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        documents.append({"id": str(item.get("id", n)), "text": text, "metadata": metadata})
    return documents
