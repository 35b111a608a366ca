"""The explorer's download: the whole result of a choice (every group, or every row), not just the page on screen.

Built only when the download is clicked, capped at EXPORT_ROWS rows so that one click cannot make the app hold a
city's history in memory (the page says when the cap cut the file short and asks for narrower filters).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.dashboard import prepare
from core.explore import Choice, Result, clean, query, validated

EXPORT_ROWS = 100_000


def full_result(sessions: sessionmaker[Session], choice: Choice, limit: int = EXPORT_ROWS) -> Result:
    """Every group or row of the choice up to `limit` (one more is fetched to tell whether the cap cut it:
    `capped`); `total` is the number of rows in the result."""
    choice = validated(choice)
    with sessions() as session:
        prepare(session)
        statement, columns = query(session, choice)
        found = session.execute(statement.limit(limit + 1)).all()
    grouped = bool(choice.group_by or choice.measure)
    rows = [tuple(clean(v) for v in row) if grouped else tuple(row) for row in found[:limit]]
    capped = len(found) > limit
    return Result(choice.dataset, columns, rows, len(rows), grouped, capped=capped, filters=choice.filters.describe())
