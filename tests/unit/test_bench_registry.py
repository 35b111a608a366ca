"""The benchmark's bank registry holds payments the import accepts, whatever moment the benchmark runs at: a file
of payments dated after that moment would be rejected whole, and row c would time rejections."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from bench.registry import write_registry
from core.clock import KYIV
from core.import_rows import parse_moment


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 1, 3, 52, tzinfo=KYIV),  # the small hours of a month's first day
        dt.datetime(2026, 3, 1, 0, 5, tzinfo=KYIV),  # just after midnight, after a short month
        dt.datetime(2026, 11, 17, 15, 0, tzinfo=KYIV),
    ],
)
def test_every_payment_is_dated_within_the_30_days_before_the_moment(tmp_path, moment):
    engine = create_engine("sqlite://")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, number TEXT)"))
        c.execute(text("INSERT INTO accounts (number) VALUES ('1120200001000'), ('1120200002000')"))
    registry = write_registry(engine, tmp_path / "registry.csv", 2000, moment)
    with registry.path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source, delimiter=";"))
    assert len(rows) == 2000
    paid = [parse_moment(row["paid_at"]) for row in rows]
    assert max(paid) <= moment
    assert min(paid) >= moment - dt.timedelta(days=30)
    assert registry.broken < 2000 * 0.01  # the rows made to be rejected stay a few
