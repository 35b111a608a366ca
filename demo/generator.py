"""Deterministic demo and city-scale data: accounts in Lutsk-like streets, charges from January 2019, payments
through several channels, hot-water readings per window (with the last-days peak), the audit trail all that would
have left, and staff users.

Accounts are made in chunks of CHUNK, each written (COPY on PostgreSQL) and committed as a whole with its audit
rows, each from its own random stream: a run that stops (a restart of the server) is rerun with the same
arguments and continues after the last committed chunk, with the same rows as an uninterrupted run. A chunk's
rows are made a table column at a time (demo.rows); on PostgreSQL a second process makes the next chunk while
this one loads the last (bench/generator_speed.py measures the pace).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import multiprocessing
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.clock import KYIV, add_months
from core.config import settings
from core.staff import DEMO_STAFF
from core.windows import ensure_default_windows
from db.models import (
    Account,
    Charge,
    ConsumerAccountLink,
    ConsumerLogin,
    Meter,
    Payment,
    Reading,
    ReadingWindow,
    StaffUser,
)
from demo import audit_trail, bulk, rows

# The demo's passwords are published in the README, so their hashes need no cost against guessing: light Argon2id
# parameters (stored in each hash, verified as usual) save seconds of ./run.sh on a small machine.
_DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
FIRST_MONTH = dt.date(2019, 1, 1)
CABINET_LAUNCH = dt.date(2020, 2, 25)

SEED_ACCOUNT = "1120200001000"
SEED_ADDRESS = "вул. Гулака-Артемовського, 20, кв. 1"
SEED_METER = "0812345"
SEED_LAST_HOT_WATER_PAYMENT = Decimal("87.45")
NEW_ACCOUNT = "1120200001017"
NEW_ACCOUNT_METER = "2611017"
DEMO_CONSUMER_PASSWORD = "demo-consumer-2026"
SIZES = {"tiny": 60, "small": 2000, "city": 80_000}

STREETS = [
    (202, "вул. Гулака-Артемовського"),
    (101, "просп. Волі"),
    (103, "просп. Соборності"),
    (105, "просп. Перемоги"),
    (107, "просп. Відродження"),
    (110, "вул. Львівська"),
    (112, "вул. Ковельська"),
    (114, "вул. Рівненська"),
    (116, "вул. Володимирська"),
    (118, "вул. Кравчука"),
    (120, "вул. Винниченка"),
    (122, "вул. Шопена"),
    (124, "вул. Карпенка-Карого"),
    (126, "вул. Конякіна"),
    (128, "вул. Чорновола"),
    (130, "вул. Ветеранів"),
    (132, "вул. Теремнівська"),
    (134, "вул. Глушець"),
    (136, "вул. Потебні"),
    (138, "вул. Дубнівська"),
    (140, "вул. Електроапаратна"),
    (142, "вул. Федорова"),
    (144, "вул. Гордіюк"),
    (146, "вул. Зацепи"),
]
HEATING_SEASON = {
    10: Decimal("0.45"),
    11: Decimal("0.85"),
    12: Decimal("1.00"),
    1: Decimal("1.10"),
    2: Decimal("0.95"),
    3: Decimal("0.75"),
    4: Decimal("0.30"),
}
HEATING_TARIFF = {
    2019: Decimal("1654.41"),
    2020: Decimal("1654.41"),
    2021: Decimal("1679.08"),
    2022: Decimal("1679.08"),
}
HEATING_TARIFF_LATEST = Decimal("1679.08")
HOT_WATER_TARIFF = {2019: Decimal("84.12"), 2020: Decimal("88.00"), 2021: Decimal("92.36")}
HOT_WATER_TARIFF_LATEST = Decimal("98.52")
GCAL_PER_M2 = Decimal("0.0205")
CHANNELS = [
    ("bank", "privatbank", 40),
    ("bank", "oschadbank", 18),
    ("post", "ukrposhta", 14),
    ("terminal", "ibox", 10),
    ("cabinet", "liqpay", 18),
]
CABINET_CHANNEL, BANK_CHANNEL = 4, 0  # CHANNELS' indexes: a cabinet payment before the launch went through the bank
LEAK_SHARE = 0.006
CENT = Decimal("0.01")
MILLI = Decimal("0.001")


CHUNK = 2000  # accounts per committed chunk; a resumed run must use the run's own size


@dataclass
class DemoSummary:
    accounts: int
    charges: int
    payments: int
    readings: int
    windows: int
    audit: int = 0
    resumed_from: int = 0  # accounts already there when this run started


def _q(value: Decimal, step: Decimal = CENT) -> Decimal:
    return value.quantize(step, ROUND_HALF_UP)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


# Each model's columns in the order its rows' tuples hold them.
COLUMNS: dict[type, tuple[str, ...]] = {
    model: tuple(names.split())
    for model, names in (
        (Account, "id number street building flat address heated_area residents has_heating has_hot_water created_at"),
        (Meter, "id account_id serial service unit initial_value installed_on"),
        (ConsumerLogin, "id login password_hash language created_at"),
        (ConsumerAccountLink, "id login_id account_id method linked_at"),
        (Charge, "id account_id service month volume tariff amount discount_percent discount_amount amount_to_pay"),
        (Payment, "id account_id service amount paid_at channel source external_ref"),
        (
            Reading,
            "id meter_id window_id value consumption submitted_at channel status quality flagged flag_reason "
            "receipt_number login_id source external_ref",
        ),
    )
}


class _Ids:
    """Explicit primary keys, so child rows reference parents without round trips."""

    def __init__(self, session: Session) -> None:
        self.next: dict[type, int] = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]
            for model in COLUMNS
        }

    def take_many(self, model: type, count: int) -> np.ndarray:
        first = self.next[model]
        self.next[model] = first + count
        return np.arange(first, first + count, dtype=np.int64)


def demo_moment(moment: dt.datetime | None = None) -> dt.datetime:
    """The moment the demo is generated as of: the business clock when pinned (TEPLO_NOW), else the start of today
    (Kyiv), so the same seed gives the same data all day long, whatever the minute it runs."""
    if moment is not None:
        return moment
    if settings().now is not None:
        return clock.now()
    return dt.datetime.combine(clock.now().astimezone(KYIV).date(), dt.time(), tzinfo=KYIV)


def generate(
    engine: Engine,
    size: str | int = "small",
    seed: int = 2020,
    now: dt.datetime | None = None,
    chunk: int = CHUNK,
    time_order: dict[str, str] | None = None,
    log: Any = None,
    first_month: dt.date = FIRST_MONTH,
) -> DemoSummary:
    """Fill an empty database, or finish filling one a stopped run left (same arguments: the chunks already
    committed are kept, the rest made). `size`: tiny / small / city, or a number of accounts. The same seed on the
    same day (or the same TEPLO_NOW) gives the same rows. `time_order` (PostgreSQL): table -> index to order the
    big tables by (CLUSTER) while their indexes are built. `first_month`: where the history starts (a later one
    makes a city's database smaller, for a disk that cannot hold the whole history)."""
    now = demo_moment(now)
    count = SIZES[size] if isinstance(size, str) else int(size)
    last_charge_month = add_months(clock.month_start(now.date()), -1)
    months = _months(first_month, last_charge_month)

    with Session(engine) as session, session.begin():
        windows_made = ensure_default_windows(session, first_month, add_months(now.date(), 2))
    with Session(engine) as session:
        windows = {
            w.period: rows.Window.of(w.id, w.opens_at, w.closes_at) for w in session.scalars(select(ReadingWindow))
        }
        ids = _Ids(session)
        done = session.scalar(select(func.count()).select_from(Account)) or 0
    if done > count or (done % chunk and done != count):
        raise ValueError(f"the database holds {done} accounts: not a stopped run of {count} in chunks of {chunk}")
    if done < count:
        bulk.drop_indexes(engine)
    login_hash = _DEMO_HASHER.hash(DEMO_CONSUMER_PASSWORD)

    postgresql = engine.dialect.name == "postgresql"
    made = functools.partial(_chunks, seed, count, chunk, done, ids, months, windows, now, login_hash, postgresql)
    # On PostgreSQL another process makes the rows (the random draws and the COPY text) while this one has the
    # server load the chunk before and write its audit trail: on two cores both run at once.
    for part in _made_aside(made) if postgresql and count - done > chunk else made():
        with engine.begin() as connection:
            for model, columns in COLUMNS.items():
                bulk.write(connection, model.__table__, columns, part.tables[model])  # type: ignore[attr-defined]
            if part.start == done and postgresql:
                # Statistics for the audit's INSERT ... SELECT over the chunk (a fresh table has none).
                connection.execute(text("ANALYZE accounts, meters, consumer_logins, consumer_account_links"))
                connection.execute(text("ANALYZE payments, readings"))
            audit_trail.write_chunk(connection, part.span)
        if log:
            log(f"  {part.start + part.size} of {count} accounts")

    _finish(engine, now, time_order, first_month)
    return _summary(engine, windows_made, done)


@dataclass
class _Chunk:
    """A chunk of flats' rows, per table: columns (demo.rows), or on PostgreSQL their COPY text."""

    start: int
    size: int
    span: audit_trail.Span
    tables: dict[type, rows.Table | str]


def _chunks(
    seed: int,
    count: int,
    chunk: int,
    done: int,
    ids: _Ids,
    months: list[dt.date],
    windows: dict[dt.date, rows.Window],
    now: dt.datetime,
    login_hash: str,
    as_text: bool,
) -> Iterator[_Chunk]:
    """The chunks after the `done` accounts, in order; each from its own random stream, the layout from one."""
    flats = _layout(random.Random(f"{seed}:layout"), count)
    for start in range(0, count, chunk):
        part = list(itertools.islice(flats, min(chunk, count - start)))
        if start < done:
            continue
        first = dict(ids.next)
        tables = _build(f"{seed}:{start}", part, ids, months, windows, now, login_hash)
        made: dict[type, rows.Table | str] = {
            model: rows.copy_text(table) if as_text else table for model, table in tables.items()
        }
        yield _Chunk(start, len(part), _span(first, ids.next), made)


def _made_aside(make: Callable[[], Iterator[_Chunk]]) -> Iterator[_Chunk]:
    """`make()`'s chunks, made in a forked process a chunk or two ahead of the one written here."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    maker = context.Process(target=_make_into, args=(make, queue), daemon=True)
    maker.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, str):
                raise RuntimeError(f"making the demo rows failed: {item}")
            yield item
    finally:
        if maker.is_alive():
            maker.kill()
        maker.join()


def _make_into(make: Callable[[], Iterator[_Chunk]], queue: Any) -> None:
    try:
        for item in make():
            queue.put(item)
        queue.put(None)
    except BaseException as error:  # the writer stops with the reason instead of waiting for ever
        queue.put(f"{type(error).__name__}: {error}")
        raise


def _span(first: dict[type, int], following: dict[type, int]) -> audit_trail.Span:
    def ids(model: type) -> tuple[int, int]:
        return first[model], following[model]

    return audit_trail.Span(
        ids(Account), ids(Meter), ids(ConsumerLogin), ids(ConsumerAccountLink), ids(Payment), ids(Reading)
    )


def _finish(engine: Engine, now: dt.datetime, time_order: dict[str, str] | None, first_month: dt.date) -> None:
    """What follows the last chunk (each step harmless to repeat): staff users and their logins, the indexes, the
    nightly balance snapshot, statistics and the id sequences."""
    with Session(engine) as session, session.begin():
        for role, password in DEMO_STAFF.items():
            if session.scalar(select(StaffUser.id).where(StaffUser.username == role)) is None:
                session.add(
                    StaffUser(
                        username=role,
                        full_name=f"Demo {role}",
                        password_hash=_DEMO_HASHER.hash(password),
                        role=role,
                        active=True,
                        created_at=now,
                    )
                )
        audit_trail.write_staff_logins(session.connection(), first_month, now)
    bulk.build_indexes(engine, time_order)
    from core import balances, rollups  # the rows above were loaded in bulk, past the write paths that keep the totals

    with sessionmaker(engine).begin() as session:
        rollups.rebuild(session)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        if engine.dialect.name == "postgresql":
            for model in (*COLUMNS, StaffUser):
                _follow_sequence(connection, model.__tablename__)  # type: ignore[attr-defined]
            _follow_sequence(connection, "audit_log")
    balances.record(sessionmaker(engine), now=now)  # the nightly job's work, done once for the generated history


def _follow_sequence(connection: Connection, table: str) -> None:
    connection.execute(
        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")
    )


def _summary(engine: Engine, windows: int, resumed_from: int) -> DemoSummary:
    from db.models import AuditLog

    with engine.connect() as connection:

        def rows(model: type) -> int:
            return connection.scalar(select(func.count()).select_from(model)) or 0

        return DemoSummary(
            rows(Account), rows(Charge), rows(Payment), rows(Reading), windows, rows(AuditLog), resumed_from
        )


def _layout(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """Flats in buildings along the streets; the seed's example account and a new consumer come first."""
    yield {"number": SEED_ACCOUNT, "street": STREETS[0][1], "building": "20", "flat": "1", "seed": True}
    yield {"number": NEW_ACCOUNT, "street": STREETS[0][1], "building": "20", "flat": "17", "new": True}
    made, serial = 2, 10_000
    while made < count:
        code, street = rng.choice(STREETS)
        building = str(rng.randint(1, 120)) + rng.choice(["", "", "", "а", "б"])
        for flat in range(1, rng.randint(18, 140) + 1):
            if made >= count:
                return
            serial += 1
            made += 1
            yield {"number": f"11{code:03d}{serial:08d}", "street": street, "building": building, "flat": str(flat)}


def _heating_tariff(month: dt.date) -> Decimal:
    return HEATING_TARIFF.get(month.year, HEATING_TARIFF_LATEST)


def _hot_water_tariff(month: dt.date) -> Decimal:
    return HOT_WATER_TARIFF.get(month.year, HOT_WATER_TARIFF_LATEST)


SEED_PAYS_AT = dt.time(9)  # the seed's account pays each bill on the 2nd of the next month, at this hour (Kyiv)


def _seed_paid(month: dt.date, now: dt.datetime) -> bool:
    """Whether the seed's account has paid `month`'s bill by `now`."""
    return dt.datetime.combine(add_months(month, 1).replace(day=2), SEED_PAYS_AT, tzinfo=KYIV) <= now


def _last_heating_month(months: list[dt.date], now: dt.datetime) -> dt.date | None:
    """The last heating month the seed's account has paid by `now`: its bill is the seed's 2222,22, so that the
    account's last heating payment is 1866,66 on every day, the 1st of a month included (the bill of the month
    just billed is paid on the 2nd)."""
    return next((m for m in reversed(months) if m.month in HEATING_SEASON and _seed_paid(m, now)), None)


def _cents(value: Decimal, places: int = 2) -> int:
    return int(value.scaleb(places))


def _build(
    key: str,
    flats: list[dict[str, Any]],
    ids: _Ids,
    months: list[dt.date],
    windows: dict[dt.date, rows.Window],
    now: dt.datetime,
    login_hash: str,
) -> dict[type, rows.Table]:
    """The rows of a chunk of flats, per table, each a column at a time (demo.rows), from the stream named `key`."""
    rng = rows.stream(key)
    n = len(flats)
    seed = np.asarray([flat.get("seed", False) for flat in flats])
    new = np.asarray([flat.get("new", False) for flat in flats])
    special = seed | new
    account_ids = ids.take_many(Account, n)
    area = np.where(seed, 6240, rows.half_up(rng.uniform(28, 98, n) * 100))
    residents = np.where(seed, 3, rows.choose(rng, n, [1, 2, 3, 4, 5], [22, 34, 24, 14, 6]))
    has_heating = special | (rng.random(n) < 0.95)
    has_hot_water = special | (rng.random(n) < 0.72)
    metered = has_hot_water & (special | (rng.random(n) < 0.86))
    discount = np.where(
        seed, 16, np.where(rng.random(n) < 0.06, rows.choose(rng, n, [10, 25, 50], [1, 1, 1]), 0)
    ).astype(np.int64)
    behaviour = rows.choose(rng, n, [0, 1, 2], [78, 14, 8])  # regular, irregular, debtor
    with_login = ~special & (rng.random(n) < 0.3)
    initial = np.where(new, 0, rows.half_up(rng.uniform(5, 400, n) * 1000))
    per_day = np.where(has_hot_water, rng.gamma(2.2, 0.03 * residents / 2.2 * 2), 0.0)
    reading_rate = np.where(seed, 0.93, rows.choose(rng, n, [0.95, 0.9, 0.85, 0.7, 0.5], [1] * 5))

    created = np.where(
        new, rows.instant(now - dt.timedelta(days=20)), rows.instant(dt.datetime(2018, 12, 1, tzinfo=KYIV))
    )
    tables: dict[type, rows.Table] = {
        Account: {
            "id": ("int", account_ids),
            "number": ("text", [flat["number"] for flat in flats]),
            "street": ("text", [flat["street"] for flat in flats]),
            "building": ("text", [flat["building"] for flat in flats]),
            "flat": ("text", [flat["flat"] for flat in flats]),
            "address": ("text", [f"{f['street']}, {f['building']}, кв. {f['flat']}" for f in flats]),
            "heated_area": ("units2", area),
            "residents": ("int", residents),
            "has_heating": ("bool", has_heating),
            "has_hot_water": ("bool", has_hot_water),
            "created_at": ("at", created),
        }
    }
    login_of = np.zeros(n, dtype=np.int64)
    login_of[with_login] = ids.take_many(ConsumerLogin, int(with_login.sum()))
    since = rows.instant(dt.datetime(2020, 3, 1, tzinfo=KYIV))
    logins = int(with_login.sum())
    tables[ConsumerLogin] = {
        "id": ("int", login_of[with_login]),
        "login": ("text", [f"+38067{a:07d}" for a in account_ids[with_login].tolist()]),
        "password_hash": ("text", [login_hash] * logins),
        "language": ("text", ["uk"] * logins),
        "created_at": ("at", np.full(logins, since)),
    }
    tables[ConsumerAccountLink] = {
        "id": ("int", ids.take_many(ConsumerAccountLink, logins)),
        "login_id": ("int", login_of[with_login]),
        "account_id": ("int", account_ids[with_login]),
        "method": ("text", ["payment"] * logins),
        "linked_at": ("at", np.full(logins, since)),
    }
    meter_of = np.zeros(n, dtype=np.int64)
    meter_of[metered] = ids.take_many(Meter, int(metered.sum()))
    meter_ids = meter_of[metered]
    serials = [f"{m + 3_000_000:07d}" for m in meter_ids.tolist()]
    for index, flat in enumerate(np.flatnonzero(metered).tolist()):
        if seed[flat] or new[flat]:
            serials[index] = SEED_METER if seed[flat] else NEW_ACCOUNT_METER
    installed = np.where(new, np.datetime64(now.date() - dt.timedelta(days=20)), np.datetime64("2017-06-01"))
    tables[Meter] = {
        "id": ("int", meter_ids),
        "account_id": ("int", account_ids[metered]),
        "serial": ("text", serials),
        "service": ("text", ["hot_water"] * len(serials)),
        "unit": ("text", ["m3"] * len(serials)),
        "initial_value": ("units3", initial[metered]),
        "installed_on": ("date", installed[metered]),
    }

    # The months: every billed one, and the current one (its consumption counts, it is not billed yet).
    axis = [*months, add_months(months[-1], 1)]
    billed = np.arange(len(axis)) < len(months)
    days = rows.month_days(axis)
    month_use = np.where(
        has_hot_water[:, None], rows.half_up(per_day[:, None] * days * rng.uniform(0.7, 1.3, (n, len(axis))) * 1000), 0
    )
    season = np.asarray([float(HEATING_SEASON.get(m.month, 0)) for m in axis])
    heating = (has_heating & ~new)[:, None] & billed & (season > 0)
    heating_volume = rows.half_up(
        (area / 100)[:, None] * float(GCAL_PER_M2) * season * rng.uniform(0.93, 1.07, (n, len(axis))) * 1000
    )
    heating_tariff = np.asarray([_cents(_heating_tariff(m)) for m in axis])
    heating_amount = rows.divide_half_up(heating_volume * heating_tariff, 1000)
    last_heating = _last_heating_month(months, now)
    for month in {dt.date(2020, 1, 1), last_heating}:
        if month in axis and seed.any():
            column = axis.index(month)
            heating_amount[seed, column] = 222222
            heating_volume[seed, column] = int(_q(Decimal("2222.22") / _heating_tariff(month), MILLI).scaleb(3))
    hot = (has_hot_water & ~new)[:, None] & billed
    hot_volume = np.where(metered[:, None], month_use, 1600 * residents[:, None])
    hot_tariff = np.asarray([_cents(_hot_water_tariff(m)) for m in axis])
    hot_amount = rows.divide_half_up(hot_volume * hot_tariff, 1000)

    # Charges, an account's months in order, heating before hot water within a month.
    cells = np.stack([heating, hot], axis=2)
    volume = np.stack([heating_volume, hot_volume], axis=2)
    tariff = np.stack([np.broadcast_to(heating_tariff, (n, len(axis))), np.broadcast_to(hot_tariff, (n, len(axis)))], 2)
    amount = np.stack([heating_amount, hot_amount], axis=2)
    discount_amount = rows.divide_half_up(amount * discount[:, None, None], 100)
    to_pay = amount - discount_amount
    flat_of, month_of, service_of = np.nonzero(cells)
    month_dates = rows.months_axis(axis[0], len(axis))
    count = len(flat_of)
    tables[Charge] = {
        "id": ("int", ids.take_many(Charge, count)),
        "account_id": ("int", account_ids[flat_of]),
        "service": ("text", np.asarray(["heating", "hot_water"])[service_of].tolist()),
        "month": ("date", month_dates[month_of]),
        "volume": ("units3", volume[cells]),
        "tariff": ("units4", tariff[cells] * 100),
        "amount": ("units2", amount[cells]),
        "discount_percent": ("units2", discount[flat_of] * 100),
        "discount_amount": ("units2", discount_amount[cells]),
        "amount_to_pay": ("units2", to_pay[cells]),
    }
    recent = add_months(months[-1], -12)
    reads = metered & ~new
    tables[Reading] = _readings(
        rng, axis, windows, now, seed, reads, login_of, meter_of, month_use, initial, reading_rate, ids, recent
    )
    tables[Payment] = _payments(rng, cells, to_pay, axis, behaviour, seed, account_ids, now, ids)
    return tables


def _readings(
    rng: np.random.Generator,
    axis: list[dt.date],
    windows: dict[dt.date, rows.Window],
    now: dt.datetime,
    seed: np.ndarray,
    reads: np.ndarray,
    login_of: np.ndarray,
    meter_of: np.ndarray,
    month_use: np.ndarray,
    initial: np.ndarray,
    reading_rate: np.ndarray,
    ids: _Ids,
    recent: dt.date,
) -> rows.Table:
    """Readings in the windows (a flat's rate of submitting one), each the meter's cumulative value; a few recent
    ones carry a leak or a mistyped digit the consumer confirmed, flagged for staff review."""
    n, width = month_use.shape
    moments = np.full((n, width), np.datetime64("NaT"), dtype="datetime64[m]")
    window_ids = np.zeros(width, dtype=np.int64)
    for column, month in enumerate(axis):
        window = windows.get(month)
        if window is not None:
            window_ids[column] = window.id
            moments[:, column] = window.moments(rng, n)
    read = reads[:, None] & (rng.random((n, width)) < reading_rate[:, None]) & (window_ids > 0)
    read &= moments <= rows.instant(now)
    choice = rng.random((n, width))
    before_launch = moments < rows.CABINET_LAUNCH
    with_login = (login_of > 0)[:, None]
    channel = np.where(  # 0 water utility, 1 staff, 2 cabinet
        before_launch,
        (choice >= 0.85).astype(np.int64),
        np.where(with_login, np.select([choice < 0.70, choice < 0.95], [2, 0], 1), (choice >= 0.88).astype(np.int64)),
    )
    recent_columns = np.asarray([month >= recent for month in axis])
    leaking = read & recent_columns & ~seed[:, None] & (rng.random((n, width)) < LEAK_SHARE)
    leak = np.where(leaking, rows.half_up(rng.uniform(12, 30, (n, width)) * 1000), 0)
    value = initial[:, None] + np.cumsum(month_use + leak, axis=1)

    flat_of, month_of = np.nonzero(read)
    values = value[flat_of, month_of]
    first = np.ones(len(flat_of), dtype=bool)
    first[1:] = flat_of[1:] != flat_of[:-1]
    previous = np.where(first, initial[flat_of], np.roll(values, 1))
    consumption = values - previous
    channels = channel[flat_of, month_of]
    meters = meter_of[flat_of].tolist()
    periods = [f"{month:%Y%m}" for month in axis]
    months = [periods[m] for m in month_of.tolist()]
    flagged = leaking[flat_of, month_of]
    jump_floor = f"{settings().jump_floor_m3:.3f}"
    reasons: list[str | None] = [None] * len(flat_of)
    for index in np.flatnonzero(flagged).tolist():
        reasons[index] = f"consumption {rows.units_decimal(int(consumption[index]), 3)} m3 above {jump_floor} m3"
    logins = login_of[flat_of].tolist()
    count = len(flat_of)
    return {
        "id": ("int", ids.take_many(Reading, count)),
        "meter_id": ("int", meter_of[flat_of]),
        "window_id": ("int", window_ids[month_of]),
        "value": ("units3", values),
        "consumption": ("units3", consumption),
        "submitted_at": ("at", moments[flat_of, month_of]),
        "channel": ("text", np.asarray(["water_utility", "staff", "cabinet"])[channels].tolist()),
        "status": ("text", ["accepted"] * count),
        "quality": ("text", ["actual"] * count),
        "flagged": ("bool", flagged),
        "flag_reason": ("text", reasons),
        "receipt_number": ("text", [f"D{p}-{m:08d}" for p, m in zip(months, meters, strict=True)]),
        "login_id": ("int", [login if c == 2 else None for login, c in zip(logins, channels.tolist(), strict=True)]),
        "source": ("text", ["demo"] * count),
        "external_ref": ("text", [f"{m}-{p}" for p, m in zip(months, meters, strict=True)]),
    }


def _payments(
    rng: np.random.Generator,
    cells: np.ndarray,
    to_pay: np.ndarray,
    axis: list[dt.date],
    behaviour: np.ndarray,
    seed: np.ndarray,
    account_ids: np.ndarray,
    now: dt.datetime,
    ids: _Ids,
) -> rows.Table:
    """Each service's bills paid (or not) the next month by the flat's habit: a regular payer settles what is due,
    an irregular one skips or pays part or more, a debtor pays a round sum now and then; the seed's account pays
    every bill on the 2nd, its last hot-water bill still owed and the one before paid with the seed's amount."""
    n, width, services = cells.shape
    due = rows.months_axis(add_months(axis[0], 1), width).astype("datetime64[m]")
    latest = rows.instant(now)
    found: list[tuple[np.ndarray, ...]] = []
    for service in range(services):
        charged, bills = cells[:, :, service], to_pay[:, :, service]
        day = np.where(seed[:, None], 2, rng.integers(3, 27, (n, width)))
        hour = np.where(seed[:, None], SEED_PAYS_AT.hour, 8 + (rng.random((n, width)) * 13).astype(np.int64))
        minute = np.where(seed[:, None], 0, (rng.random((n, width)) * 60).astype(np.int64))
        paid_at = rows.kyiv_to_utc(due + ((day - 1) * 24 * 60 + hour * 60 + minute) * np.timedelta64(1, "m"))
        decide = rng.random((n, width))
        factor = rng.uniform(0.5, 1, (n, width))
        irregular_factor = rows.choose(rng, n * width, [0.5, 1, 1, 1.2], [1] * 4).reshape(n, width)
        round_sum = rows.choose(rng, n * width, [20000, 30000, 50000, 100000], [1] * 4).reshape(n, width)
        channel = rows.choose(rng, n * width, list(range(len(CHANNELS))), [c[2] for c in CHANNELS]).reshape(n, width)
        amounts = np.zeros((n, width), dtype=np.int64)
        paid = np.zeros((n, width), dtype=bool)
        seed_owes = np.zeros((n, width), dtype=bool)
        seed_amount = np.zeros((n, width), dtype=bool)
        if service == 1:
            for flat in np.flatnonzero(seed).tolist():
                positions = np.flatnonzero(charged[flat])
                seed_owes[flat, positions[-1:]] = True
                seed_amount[flat, positions[-2:-1]] = True
        carried = np.zeros(n, dtype=np.int64)
        for column in range(width):
            carried += np.where(charged[:, column], bills[:, column], 0)
            regular = np.where(
                decide[:, column] < 0.9, carried, np.floor(carried * factor[:, column] + 0.5).astype(np.int64)
            )
            amount = np.select(
                [seed, behaviour == 0, behaviour == 1],
                [
                    np.where(seed_amount[:, column], _cents(SEED_LAST_HOT_WATER_PAYMENT), bills[:, column]),
                    regular,
                    np.floor(carried * irregular_factor[:, column] + 0.5).astype(np.int64),
                ],
                round_sum[:, column],
            )
            skipped = np.select(
                [seed, behaviour == 0, behaviour == 1],
                [seed_owes[:, column], False, decide[:, column] < 0.45],
                decide[:, column] < 0.85,
            )
            pays = charged[:, column] & ~skipped & (paid_at[:, column] <= latest) & (amount > 0)
            carried -= np.where(pays, amount, 0)
            amounts[:, column], paid[:, column] = amount, pays
        flat_of, month_of = np.nonzero(paid)
        found.append((flat_of, np.full(len(flat_of), service), month_of, amounts[paid], paid_at[paid], channel[paid]))
    flat_of, service_of, month_of, amount, paid_at, channel = (np.concatenate(parts) for parts in zip(*found))
    order = np.lexsort((month_of, service_of, flat_of))  # an account's heating payments, then its hot water ones
    flat_of, service_of, amount, paid_at, channel = (a[order] for a in (flat_of, service_of, amount, paid_at, channel))
    # A cabinet payment before the cabinet opened went through the bank.
    channel = np.where((channel == CABINET_CHANNEL) & (paid_at < rows.CABINET_LAUNCH), BANK_CHANNEL, channel)
    payment_ids = ids.take_many(Payment, len(flat_of))
    return {
        "id": ("int", payment_ids),
        "account_id": ("int", account_ids[flat_of]),
        "service": ("text", np.asarray(["heating", "hot_water"])[service_of].tolist()),
        "amount": ("units2", amount),
        "paid_at": ("at", paid_at),
        "channel": ("text", np.asarray([c[0] for c in CHANNELS])[channel].tolist()),
        "source": ("text", np.asarray([c[1] for c in CHANNELS])[channel].tolist()),
        "external_ref": ("text", [f"DEMO-{p}" for p in payment_ids.tolist()]),
    }
