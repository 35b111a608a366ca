"""Deterministic demo and city-scale data: accounts in Lutsk-like streets, charges from January 2019, payments
through several channels, hot-water readings per window (with the last-days peak), the audit trail all that would
have left, and staff users.

Accounts are made in chunks of CHUNK, each written (COPY on PostgreSQL) and committed as a whole with its audit
rows, each from its own random stream: a run that stops (a restart of the server) is rerun with the same
arguments and continues after the last committed chunk, with the same rows as an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.clock import KYIV, add_months, days_in_month
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
from demo import audit_trail, bulk

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


def _months(last: dt.date) -> list[dt.date]:
    months, month = [], FIRST_MONTH
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
# The rows of one chunk of flats, per model, in COLUMNS' order.
_Rows = dict[type, list[tuple[Any, ...]]]


class _Ids:
    """Explicit primary keys, so child rows reference parents without round trips."""

    def __init__(self, session: Session) -> None:
        self.next: dict[type, int] = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]
            for model in COLUMNS
        }

    def take(self, model: type) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


class _Window:
    """A reading window with the weights of its days for a submission (most in the last days)."""

    def __init__(self, window: ReadingWindow) -> None:
        self.id, self.opens, self.closes = window.id, window.opens_at, window.closes_at
        days = max(1, (self.closes - self.opens).days)
        weights = [1 + 3 * (i / days) ** 3 for i in range(days)]
        weights[-1] *= 2.2
        weights[-2 if days > 1 else -1] *= 1.6
        self.days = range(days)
        self.cumulative = list(itertools.accumulate(weights))

    def submission_moment(self, rng: random.Random, latest: dt.datetime) -> dt.datetime | None:
        """A moment inside the window; None if that moment is still in the future."""
        day = rng.choices(self.days, cum_weights=self.cumulative)[0]
        moment = self.opens + dt.timedelta(days=day, hours=7 + int(rng.random() * 16), minutes=int(rng.random() * 60))
        return moment if moment <= latest else None


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
) -> DemoSummary:
    """Fill an empty database, or finish filling one a stopped run left (same arguments: the chunks already
    committed are kept, the rest made). `size`: tiny / small / city, or a number of accounts. The same seed on the
    same day (or the same TEPLO_NOW) gives the same rows. `time_order` (PostgreSQL): table -> index to order the
    big tables by (CLUSTER) while their indexes are built."""
    now = demo_moment(now)
    count = SIZES[size] if isinstance(size, str) else int(size)
    last_charge_month = add_months(clock.month_start(now.date()), -1)
    months = _months(last_charge_month)

    with Session(engine) as session, session.begin():
        windows_made = ensure_default_windows(session, FIRST_MONTH, add_months(now.date(), 2))
    with Session(engine) as session:
        windows = {w.period: _Window(w) for w in session.scalars(select(ReadingWindow))}
        ids = _Ids(session)
        done = session.scalar(select(func.count()).select_from(Account)) or 0
    if done > count or (done % chunk and done != count):
        raise ValueError(f"the database holds {done} accounts: not a stopped run of {count} in chunks of {chunk}")
    if done < count:
        bulk.drop_indexes(engine)
    login_hash = _DEMO_HASHER.hash(DEMO_CONSUMER_PASSWORD)

    flats = _layout(random.Random(f"{seed}:layout"), count)
    for start in range(0, count, chunk):
        part = list(itertools.islice(flats, min(chunk, count - start)))
        if start < done:
            continue
        rng = random.Random(f"{seed}:{start}")
        first = dict(ids.next)
        rows = _build(rng, random.Random(f"{seed}:leaks:{start}"), part, ids, months, windows, now, login_hash)
        with engine.begin() as connection:
            for model, columns in COLUMNS.items():
                bulk.write(connection, model.__table__, columns, rows[model])  # type: ignore[attr-defined]
            if start == done and connection.dialect.name == "postgresql":
                # Statistics for the audit's INSERT ... SELECT over the chunk (a fresh table has none).
                connection.execute(text("ANALYZE accounts, meters, consumer_logins, consumer_account_links"))
                connection.execute(text("ANALYZE payments, readings"))
            audit_trail.write_chunk(connection, _span(first, ids.next))
        if log:
            log(f"  {start + len(part)} of {count} accounts")

    _finish(engine, now, time_order)
    return _summary(engine, windows_made, done)


def _span(first: dict[type, int], following: dict[type, int]) -> audit_trail.Span:
    def ids(model: type) -> tuple[int, int]:
        return first[model], following[model]

    return audit_trail.Span(
        ids(Account), ids(Meter), ids(ConsumerLogin), ids(ConsumerAccountLink), ids(Payment), ids(Reading)
    )


def _finish(engine: Engine, now: dt.datetime, time_order: dict[str, str] | None) -> None:
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
        audit_trail.write_staff_logins(session.connection(), FIRST_MONTH, now)
    bulk.build_indexes(engine, time_order)
    from core import balances  # the nightly job's work, done once for the generated history

    balances.rebuild(sessionmaker(engine), now=now)
    from core import rollups  # the rows above were loaded in bulk, past the write paths that keep the totals

    with sessionmaker(engine).begin() as session:
        rollups.rebuild(session)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        if engine.dialect.name == "postgresql":
            for model in (*COLUMNS, StaffUser):
                _follow_sequence(connection, model.__tablename__)  # type: ignore[attr-defined]
            _follow_sequence(connection, "audit_log")


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


def _charge(
    rows: _Rows,
    ids: _Ids,
    account_id: int,
    service: str,
    month: dt.date,
    volume: Decimal,
    tariff: Decimal,
    discount: Decimal,
    amount: Decimal | None = None,
) -> Decimal:
    """One month's charge for a service; returns the amount to pay."""
    if amount is None:
        amount = _q(volume * tariff)
    discount_amount = _q(amount * discount / 100)
    to_pay = amount - discount_amount
    rows[Charge].append(
        (ids.take(Charge), account_id, service, month, volume, tariff, amount, discount, discount_amount, to_pay)
    )
    return to_pay


def _build(
    rng: random.Random,
    leaks: random.Random,
    flats: list[dict[str, Any]],
    ids: _Ids,
    months: list[dt.date],
    windows: dict[dt.date, _Window],
    now: dt.datetime,
    login_hash: str,
) -> _Rows:
    """The rows of a chunk of flats. `leaks` is its own stream: the flags do not shift the rest of the data."""
    recent = add_months(months[-1], -12)
    last_heating = _last_heating_month(months)
    jump_floor = f"{settings().jump_floor_m3:.3f}"
    rows: _Rows = {model: [] for model in COLUMNS}
    for flat in flats:
        seed, new = flat.get("seed", False), flat.get("new", False)
        account_id = ids.take(Account)
        area = Decimal("62.40") if seed else _q(Decimal(rng.uniform(28, 98)))
        residents = 3 if seed else rng.choices([1, 2, 3, 4, 5], weights=[22, 34, 24, 14, 6])[0]
        has_heating = True if (seed or new) else rng.random() < 0.95
        has_hot_water = True if (seed or new) else rng.random() < 0.72
        metered = has_hot_water and (seed or new or rng.random() < 0.86)
        created = dt.datetime(2018, 12, 1, tzinfo=KYIV) if not new else now - dt.timedelta(days=20)
        address = f"{flat['street']}, {flat['building']}, кв. {flat['flat']}"
        rows[Account].append(
            (
                account_id,
                flat["number"],
                flat["street"],
                flat["building"],
                flat["flat"],
                address,
                area,
                residents,
                has_heating,
                has_hot_water,
                created,
            )
        )
        if new:
            installed = now.date() - dt.timedelta(days=20)
            rows[Meter].append(
                (ids.take(Meter), account_id, NEW_ACCOUNT_METER, "hot_water", "m3", Decimal("0.000"), installed)
            )
            continue
        discount = (
            Decimal("16") if seed else (Decimal(rng.choice([10, 25, 50])) if rng.random() < 0.06 else Decimal("0"))
        )
        behaviour = "regular" if seed else rng.choices(["regular", "irregular", "debtor"], weights=[78, 14, 8])[0]
        login_id = None
        if not seed and rng.random() < 0.3:
            login_id = ids.take(ConsumerLogin)
            since = dt.datetime(2020, 3, 1, tzinfo=KYIV)
            rows[ConsumerLogin].append((login_id, f"+38067{account_id:07d}", login_hash, "uk", since))
            rows[ConsumerAccountLink].append((ids.take(ConsumerAccountLink), login_id, account_id, "payment", since))
        meter_id = 0
        value = Decimal("0.000")
        if metered:
            meter_id = ids.take(Meter)
            value = _q(Decimal(rng.uniform(5, 400)), MILLI)
            serial = SEED_METER if seed else f"{meter_id + 3_000_000:07d}"
            rows[Meter].append((meter_id, account_id, serial, "hot_water", "m3", value, dt.date(2017, 6, 1)))
        per_day = Decimal(rng.gammavariate(2.2, 0.03 * residents / 2.2 * 2)) if has_hot_water else Decimal(0)
        reading_rate = 0.93 if seed else rng.choice([0.95, 0.9, 0.85, 0.7, 0.5])
        charges_by_service: dict[str, list[tuple[dt.date, Decimal]]] = {"heating": [], "hot_water": []}
        consumed_since_reading = Decimal(0)
        for month in [*months, add_months(months[-1], 1)]:
            billed = month <= months[-1]
            month_use = (
                _q(per_day * days_in_month(month) * Decimal(rng.uniform(0.7, 1.3)), MILLI)
                if has_hot_water
                else Decimal(0)
            )
            if billed and has_heating and month.month in HEATING_SEASON:
                tariff = _heating_tariff(month)
                volume = _q(area * GCAL_PER_M2 * HEATING_SEASON[month.month] * Decimal(rng.uniform(0.93, 1.07)), MILLI)
                fixed = None
                if seed and (month == dt.date(2020, 1, 1) or month == last_heating):
                    fixed, volume = Decimal("2222.22"), _q(Decimal("2222.22") / tariff, MILLI)
                to_pay = _charge(rows, ids, account_id, "heating", month, volume, tariff, discount, fixed)
                charges_by_service["heating"].append((month, to_pay))
            if billed and has_hot_water:
                volume = month_use if metered else _q(Decimal("1.6") * residents, MILLI)
                to_pay = _charge(rows, ids, account_id, "hot_water", month, volume, _hot_water_tariff(month), discount)
                charges_by_service["hot_water"].append((month, to_pay))
            if not metered:
                continue
            value += month_use
            consumed_since_reading += month_use
            window = windows.get(month)
            if window is None or rng.random() >= reading_rate:
                continue
            moment = window.submission_moment(rng, now)
            if moment is None:
                continue
            channel = _reading_channel(rng, moment, login_id)
            reason = None
            if not seed and month >= recent and leaks.random() < LEAK_SHARE:
                # A leaking tap or a mistyped digit the consumer confirmed: flagged for staff review.
                leak = _q(Decimal(leaks.uniform(12, 30)), MILLI)
                value += leak
                consumed_since_reading += leak
                reason = f"consumption {consumed_since_reading} m3 above {jump_floor} m3"
            rows[Reading].append(
                (
                    ids.take(Reading),
                    meter_id,
                    window.id,
                    value,
                    consumed_since_reading,
                    moment,
                    channel,
                    "accepted",
                    "actual",
                    reason is not None,
                    reason,
                    f"D{month:%Y%m}-{meter_id:08d}",
                    login_id if channel == "cabinet" else None,
                    "demo",
                    f"{meter_id}-{month:%Y%m}",
                )
            )
            consumed_since_reading = Decimal(0)
        _payments(rng, rows, ids, account_id, charges_by_service, behaviour, now, seed)
    return rows


def _last_heating_month(months: list[dt.date]) -> dt.date | None:
    return next((m for m in reversed(months) if m.month in HEATING_SEASON), None)


def _reading_channel(rng: random.Random, moment: dt.datetime, login_id: int | None) -> str:
    if moment.date() < CABINET_LAUNCH:
        return rng.choices(["water_utility", "staff"], weights=[85, 15])[0]
    if login_id is not None:
        return rng.choices(["cabinet", "water_utility", "staff"], weights=[70, 25, 5])[0]
    return rng.choices(["water_utility", "staff"], weights=[88, 12])[0]


_CHANNEL_WEIGHTS = list(itertools.accumulate(c[2] for c in CHANNELS))


def _payments(
    rng: random.Random,
    rows: _Rows,
    ids: _Ids,
    account_id: int,
    charges_by_service: dict[str, list[tuple[dt.date, Decimal]]],
    behaviour: str,
    now: dt.datetime,
    seed: bool,
) -> None:
    for service, charges in charges_by_service.items():
        carried = Decimal(0)
        for index, (month, to_pay) in enumerate(charges):
            due = add_months(month, 1)
            day = 2 if seed else rng.randint(3, 26)
            paid_on = dt.datetime(
                due.year, due.month, day, 8 + int(rng.random() * 13), int(rng.random() * 60), tzinfo=KYIV
            )
            carried += to_pay
            last = index == len(charges) - 1
            if seed:
                if service == "hot_water" and last:
                    continue  # the seed account owes its latest hot-water bill
                amount = to_pay
                if service == "hot_water" and index == len(charges) - 2:
                    amount = SEED_LAST_HOT_WATER_PAYMENT
            elif behaviour == "regular":
                amount = carried if rng.random() < 0.9 else _q(carried * Decimal(rng.uniform(0.5, 1)))
            elif behaviour == "irregular":
                if rng.random() < 0.45:
                    continue
                amount = _q(carried * Decimal(rng.choice([0.5, 1, 1, 1.2])))
            else:
                if rng.random() < 0.85:
                    continue
                amount = _q(Decimal(rng.choice([200, 300, 500, 1000])))
            if paid_on > now or amount <= 0:
                continue
            channel, source, _ = rng.choices(CHANNELS, cum_weights=_CHANNEL_WEIGHTS)[0]
            if channel == "cabinet" and paid_on.date() < CABINET_LAUNCH:
                channel, source = "bank", "privatbank"
            payment_id = ids.take(Payment)
            rows[Payment].append(
                (payment_id, account_id, service, amount, paid_on, channel, source, f"DEMO-{payment_id}")
            )
            carried -= amount
