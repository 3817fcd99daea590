"""What the runs page shows, as its address says it: `/runs?status=failed&workflow=w&q=text
&since=2026-12-01&until=2026-12-06`. Dates are whole local days; `until` includes its day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from app.store.paging import RunFilter

STATUSES = ("running", "waiting", "paused", "succeeded", "failed", "canceled", "pending")


def parse_day(text: str) -> date | None:
    """A `YYYY-MM-DD` day, or None when the text is empty or not such a day."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def day_start(day: date) -> float:
    return datetime.combine(day, time.min).timestamp()  # local midnight


@dataclass(frozen=True)
class RunQuery:
    status: str = ""
    workflow: str = ""
    search: str = ""
    since: str = ""  # first day shown, YYYY-MM-DD
    until: str = ""  # last day shown, YYYY-MM-DD

    @classmethod
    def of(cls, status: str, workflow: str, search: str, since: str, until: str) -> RunQuery:
        """From the address: an unknown status or a day that is not a day is left out."""
        return cls(
            status if status in STATUSES else "",
            workflow.strip(),
            search.strip(),
            since if parse_day(since) else "",
            until if parse_day(until) else "",
        )

    def filter(self) -> RunFilter:
        first, last = parse_day(self.since), parse_day(self.until)
        return RunFilter(
            workflow_id=self.workflow or None,
            status=self.status or None,
            since=day_start(first) if first else None,
            until=day_start(last + timedelta(days=1)) if last else None,
            search=self.search,
        )

    def with_(self, **changes: str) -> RunQuery:
        return replace(self, **changes)

    @property
    def narrowed(self) -> bool:
        """Anything beyond status and workflow (what live updates can check by themselves)."""
        return bool(self.search or self.since or self.until)

    @property
    def any(self) -> bool:
        return bool(self.status or self.workflow or self.narrowed)

    def url(self) -> str:
        pairs = {
            "status": self.status,
            "workflow": self.workflow,
            "q": self.search,
            "since": self.since,
            "until": self.until,
        }
        query = urlencode({k: v for k, v in pairs.items() if v})
        return "/runs" + (f"?{query}" if query else "")
