"""Row d: the consumer's account page data for one account (statement + the 24-month chart), as
pages/public/account.py asks core for it, against the same data read with hand-written SQL through a bare cursor."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from bench.stats import percentile
from core.clock import KYIV, add_months


@dataclass
class Latency:
    label: str
    p50_ms: float | None
    p95_ms: float | None
    samples: int


def sample_links(engine, count: int, seed: int = 11) -> list[tuple[int, int]]:
    with engine.connect() as c:
        rows = [
            tuple(r) for r in c.execute(text("SELECT login_id, account_id FROM consumer_account_links ORDER BY id"))
        ]
    rng = random.Random(seed)
    return rng.sample(rows, min(count, len(rows)))


def project(sessions, links, now: dt.datetime) -> Latency:
    from core.consumer_history import monthly_totals_of
    from core.statements import statement_for_consumer

    since = add_months(now.astimezone(KYIV).date().replace(day=1), -23)
    times = []
    for login_id, account_id in links:
        began = time.perf_counter()
        monthly_totals_of(statement_for_consumer(sessions, login_id, account_id), since)
        times.append((time.perf_counter() - began) * 1000)
    return Latency("core statement + its monthly totals", percentile(times, 50), percentile(times, 95), len(times))


def _reference_once(cursor, placeholder: str, login_id: int, account_id: int, now: dt.datetime, since: dt.date):
    p = placeholder
    cursor.execute(
        f"SELECT 1 FROM consumer_account_links WHERE login_id = {p} AND account_id = {p}", (login_id, account_id)
    )
    cursor.fetchone()
    cursor.execute(
        f"SELECT id, number, address, heated_area, residents, has_heating, has_hot_water FROM accounts WHERE id = {p}",
        (account_id,),
    )
    cursor.fetchone()
    cursor.execute(
        f"SELECT month, service, volume, tariff, amount, discount_percent, discount_amount, amount_to_pay "
        f"FROM charges WHERE account_id = {p} ORDER BY month DESC, service",
        (account_id,),
    )
    charges = cursor.fetchall()
    cursor.execute(
        f"SELECT paid_at, service, amount, channel FROM payments WHERE account_id = {p} ORDER BY paid_at DESC, id DESC",
        (account_id,),
    )
    payments = cursor.fetchall()
    cursor.execute(
        f"SELECT created_at, service, amount, status FROM payment_intents WHERE account_id = {p} "
        f"AND status IN ('created', 'pending') ORDER BY created_at DESC",
        (account_id,),
    )
    cursor.fetchall()
    # Balances and the month-by-month chart from the rows already fetched.
    balance: dict[str, Decimal] = defaultdict(Decimal)
    months: dict[str, list] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for month, service, *_rest, to_pay in charges:
        balance[service] += Decimal(to_pay)
        key = str(month)[:7]
        if key >= since.isoformat()[:7]:
            months[key][0] += Decimal(to_pay)
    for paid_at, service, amount, _channel in payments:
        balance[service] -= Decimal(amount)
        if isinstance(paid_at, str):
            paid_at = dt.datetime.fromisoformat(paid_at).replace(tzinfo=dt.UTC)
        key = paid_at.astimezone(KYIV).strftime("%Y-%m")
        if key >= since.isoformat()[:7]:
            months[key][1] += Decimal(amount)
    return balance, months


def reference(raw_connection, dialect: str, links, now: dt.datetime) -> Latency:
    """The same data with five indexed queries through the DB-API cursor, sums done on the fetched rows."""
    since = add_months(now.astimezone(KYIV).date().replace(day=1), -23)
    placeholder = "%s" if dialect == "postgresql" else "?"
    cursor = raw_connection.cursor()
    times = []
    for login_id, account_id in links:
        began = time.perf_counter()
        _reference_once(cursor, placeholder, login_id, account_id, now, since)
        raw_connection.rollback()
        times.append((time.perf_counter() - began) * 1000)
    cursor.close()
    return Latency("bare cursor, 5 indexed queries", percentile(times, 50), percentile(times, 95), len(times))
