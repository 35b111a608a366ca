"""The explorer's download: the whole result of a choice (every group, or every row), not just the page on screen.

Built only when the download is clicked, capped at EXPORT_ROWS rows so that one click cannot make the app hold a
city's history in memory (the page says when the cap cut the file short and asks for narrower filters).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.dashboard import prepare
from core.explore import Filters, Result, clean, query, validated

EXPORT_ROWS = 100_000


def full_result(
    sessions: sessionmaker[Session],
    dataset: str,
    filters: Filters,
    group_by: list[str] | None = None,
    measure: str | None = None,
    limit: int = EXPORT_ROWS,
) -> Result:
    """Every group or row of the choice up to `limit` (one more is fetched to tell whether the cap cut it:
    `capped`); `total` is the number of rows in the result."""
    group_by = validated(dataset, filters, group_by, measure)
    with sessions() as session:
        prepare(session)
        statement, columns = query(session, dataset, filters, group_by, measure)
        found = session.execute(statement.limit(limit + 1)).all()
    grouped = bool(group_by or measure)
    rows = [tuple(clean(v) for v in row) if grouped else tuple(row) for row in found[:limit]]
    return Result(dataset, columns, rows, len(rows), grouped, capped=len(found) > limit, filters=filters.describe())
