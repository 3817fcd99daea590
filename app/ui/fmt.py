"""How pages write times, durations and JSON values."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

MAX_JSON_CHARS = 20_000

STATUS_LABELS = {
    "succeeded": "Succeeded",
    "failed": "Failed",
    "running": "Running",
    "retrying": "Retrying",
    "pending": "Pending",
    "waiting": "Waiting",
    "paused": "Paused",
    "canceled": "Canceled",
    "skipped": "Skipped",
}


def ago(ts: float | None, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '12 Mar', '12 Mar 2024'."""
    if ts is None:
        return "—"
    now = time.time() if now is None else now
    seconds = now - ts
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    then, today = datetime.fromtimestamp(ts), datetime.fromtimestamp(now)
    if (today.date() - then.date()).days == 1:
        return "yesterday"
    if then.year == today.year:
        return f"{then.day} {then:%b}"
    return f"{then.day} {then:%b %Y}"


def stamp(ts: float | None) -> str:
    """An exact local time, e.g. '2025-03-12 14:02:05'."""
    return "—" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """'850 ms', '12.3 s', '4 min 05 s', '2 h 13 min'."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def pretty_json(value: Any, limit: int = MAX_JSON_CHARS) -> str:
    """Indented JSON, cut at `limit` characters with a note saying how much there is."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > limit:
        return text[:limit] + f"\n… ({len(text):,} characters in all)"
    return text


# The same formats in the browser, for AG Grid cells that stay current without a server round trip.
JS_AGO = """(ts) => {
  if (ts == null) return '—';
  const s = Date.now() / 1000 - ts;
  if (s < 45) return 'just now';
  if (s < 3600) return Math.max(1, Math.round(s / 60)) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  const d = new Date(ts * 1000), t = new Date();
  const y = new Date(t); y.setDate(t.getDate() - 1);
  if (d.toDateString() === y.toDateString()) return 'yesterday';
  const m = d.toLocaleString('en-GB', {month: 'short'});
  const day = d.getDate() + ' ' + m;
  return d.getFullYear() === t.getFullYear() ? day : day + ' ' + d.getFullYear();
}"""

JS_DURATION = """(s) => {
  if (s == null || isNaN(s)) return '—';
  if (s < 1) return Math.round(s * 1000) + ' ms';
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60), sec = Math.floor(s % 60);
  if (m < 60) return m + ' min ' + String(sec).padStart(2, '0') + ' s';
  return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
}"""

JS_STAMP = """(ts) => {
  if (ts == null) return '';
  const d = new Date(ts * 1000), p = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' '
    + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
}"""


JS_STATUS_CHIP = (
    "(p) => { const s = p.value || ''; const labels = "
    + json.dumps(STATUS_LABELS)
    + "; const label = labels[s] || s;"
    ' return `<span class="ren-status ren-status--${s}" data-status="${s}">${label}</span>`; }'
)

JS_ESCAPE = (
    "(t) => String(t ?? '').replace(/[&<>\"']/g, (c) => "
    "({'&': '&amp;', '<': '&lt;', '>': '&gt;', '\"': '&quot;', \"'\": '&#39;'})[c])"
)
