"""The vector store: chunks with embeddings in the data folder's `vector_chunks` table.

Writes are SQL for NodeResult.writes, so they commit with the step that computed them; a
document written again replaces its chunks. A search reads the store's rows on a read-only
connection (in a worker thread) and ranks them by cosine similarity in plain Python: vectors are
kept at unit length, so the score is a dot product. That is fine up to some 50,000 chunks of
~1,000 dimensions per store (a second or two per query); beyond that an index (e.g. sqlite-vec)
would be needed.
"""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
import sys
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.store.kv import Write

MAX_STORE_NAME = 100

DELETE_DOC = "DELETE FROM vector_chunks WHERE store=? AND doc_id=?"
INSERT_CHUNK = (
    "INSERT INTO vector_chunks (store, doc_id, chunk, text, metadata, embedding, dims, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_STORE = "SELECT doc_id, chunk, text, metadata, embedding FROM vector_chunks WHERE store=?"


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    chunk: int
    text: str
    metadata: dict[str, Any]


def unit_vector(values: list[float]) -> array[float]:
    """The vector scaled to length 1 (a zero vector stays zero), as float32."""
    norm = math.sqrt(sum(v * v for v in values))
    return array("f", (v / norm for v in values) if norm else values)


def _pack(vector: array[float]) -> bytes:
    if sys.byteorder != "little":
        vector = array("f", vector)
        vector.byteswap()
    return vector.tobytes()


def _unpack(blob: bytes) -> array[float]:
    vector = array("f")
    vector.frombytes(blob)
    if sys.byteorder != "little":
        vector.byteswap()
    return vector


def document_writes(
    store: str, doc_id: str, chunks: list[tuple[str, dict[str, Any], list[float]]]
) -> list[Write]:
    """Replace document `doc_id` of `store` by these (text, metadata, embedding) chunks."""
    now = time.time()
    writes: list[Write] = [(DELETE_DOC, (store, doc_id))]
    for index, (text, metadata, embedding) in enumerate(chunks):
        vector = unit_vector(embedding)
        meta = json.dumps(metadata, ensure_ascii=False, default=str)
        params = (store, doc_id, index, text, meta, _pack(vector), len(vector), now)
        writes.append((INSERT_CHUNK, params))
    return writes


def search(db: Path, store: str, query: list[float], top_k: int) -> list[dict[str, Any]]:
    """The `top_k` chunks of `store` most similar to `query`, best first (blocking: call it in
    a thread)."""
    target = unit_vector(query)
    best: list[tuple[float, int, Chunk]] = []
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(SELECT_STORE, (store,))
        for n, (doc_id, chunk, text, metadata, blob) in enumerate(rows):
            vector = _unpack(blob)
            if len(vector) != len(target):
                raise ValueError(
                    f"store '{store}' holds vectors of {len(vector)} dimensions but the query "
                    f"has {len(target)}: use the embeddings model the store was filled with"
                )
            score = sum(a * b for a, b in zip(vector, target, strict=True))
            item = (score, -n, Chunk(doc_id, chunk, text, json.loads(metadata or "{}")))
            if len(best) < top_k:
                heapq.heappush(best, item)
            elif item[:2] > best[0][:2]:
                heapq.heapreplace(best, item)
    finally:
        conn.close()
    ranked = sorted(best, key=lambda entry: entry[:2], reverse=True)
    return [
        {
            "text": c.text,
            "score": round(score, 6),
            "doc_id": c.doc_id,
            "chunk": c.chunk,
            "metadata": c.metadata,
        }
        for score, _, c in ranked
    ]


def store_problem(name: str) -> str | None:
    if not name.strip():
        return "give the store's name, e.g. docs"
    if len(name) > MAX_STORE_NAME:
        return f"the store's name is {len(name)} characters, over {MAX_STORE_NAME}"
    return None
