"""Deterministic demo and city-scale data: accounts in Lutsk-like streets, charges from January 2019, payments
through several channels, hot-water readings per window (with the last-days peak) and staff users.

Rows are built in plain dicts and written with bulk INSERTs in chunks of accounts, so the same code makes a
couple of thousand accounts in seconds or 80,000 accounts for benchmarks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
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


@dataclass
class DemoSummary:
    accounts: int
    charges: int
    payments: int
    readings: int
    windows: int


def _q(value: Decimal, step: Decimal = CENT) -> Decimal:
    return value.quantize(step, ROUND_HALF_UP)


def _months(last: dt.date) -> list[dt.date]:
    months, month = [], FIRST_MONTH
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


# The rows of one chunk of flats, per model, ready for `_write`.
_Rows = dict[type, list[dict[str, Any]]]


class _Ids:
    """Explicit primary keys, so child rows reference parents without round trips."""

    def __init__(self, session: Session) -> None:
        self.next: dict[type, int] = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (Account, Meter, Charge, Payment, Reading, ConsumerLogin, ConsumerAccountLink)
        }

    def take(self, model: type) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _submission_moment(
    rng: random.Random, window: tuple[dt.datetime, dt.datetime], latest: dt.datetime
) -> dt.datetime | None:
    """A moment inside the window, most of them in its last days; None if that moment is still in the future."""
    opens, closes = window
    days = max(1, (closes - opens).days)
    weights = [1 + 3 * (i / days) ** 3 for i in range(days)]
    weights[-1] *= 2.2
    weights[-2 if days > 1 else -1] *= 1.6
    day = rng.choices(range(days), weights=weights)[0]
    moment = opens + dt.timedelta(days=day, hours=rng.randint(7, 22), minutes=rng.randint(0, 59))
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
    engine: Engine, size: str | int = "small", seed: int = 2020, now: dt.datetime | None = None
) -> DemoSummary:
    """Fill an empty database. `size`: tiny / small / city, or a number of accounts. The same seed on the same
    day (or the same TEPLO_NOW) gives the same rows."""
    now = demo_moment(now)
    count = SIZES[size] if isinstance(size, str) else int(size)
    rng = random.Random(seed)
    last_charge_month = add_months(clock.month_start(now.date()), -1)
    months = _months(last_charge_month)
    summary = DemoSummary(0, 0, 0, 0, 0)

    with Session(engine) as session, session.begin():
        summary.windows = ensure_default_windows(session, FIRST_MONTH, add_months(now.date(), 2))
    with Session(engine) as session:
        windows = {w.period: (w.id, w.opens_at, w.closes_at) for w in session.scalars(select(ReadingWindow))}
        ids = _Ids(session)
    login_hash = _DEMO_HASHER.hash(DEMO_CONSUMER_PASSWORD)

    layout = _layout(rng, count)
    chunk: list[dict[str, Any]] = []
    for position, flat in enumerate(layout):
        chunk.append(flat)
        if len(chunk) >= 2000 or position == len(layout) - 1:
            with engine.begin() as connection:
                rows = _build(rng, chunk, ids, months, windows, now, login_hash)
                for model in (Account, Meter, ConsumerLogin, ConsumerAccountLink, Charge, Payment, Reading):
                    _write(connection, model, rows[model])
                summary.accounts += len(rows[Account])
                summary.charges += len(rows[Charge])
                summary.payments += len(rows[Payment])
                summary.readings += len(rows[Reading])
            chunk = []

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
    from core import balances  # the nightly job's work, done once for the generated history

    balances.rebuild(sessionmaker(engine), now=now)
    from core import rollups  # the rows above were loaded in bulk, past the write paths that keep the totals

    with sessionmaker(engine).begin() as session:
        rollups.rebuild(session)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for model in (Account, Meter, Charge, Payment, Reading, ConsumerLogin, ConsumerAccountLink):
                table = model.__tablename__
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
                    )
                )
    return summary


def _write(connection: Connection, model: Any, batch: list[dict[str, Any]]) -> None:
    """Bulk insert: COPY on PostgreSQL (city scale in minutes), multi-row INSERT elsewhere."""
    if not batch:
        return
    if connection.dialect.name != "postgresql":
        # The driver's executemany with the columns' own bind conversions done once per column: what
        # connection.execute(insert(model), rows) sends, without its per-row parameter building (a third of the
        # small demo's time).
        columns = list(batch[0])
        table = model.__table__
        convert = [table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        rows = [
            tuple(
                value if process is None or value is None else process(value)
                for value, process in zip((row[c] for c in columns), convert)
            )
            for row in batch
        ]
        connection.exec_driver_sql(statement, rows)
        return
    columns = list(batch[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in batch:
        writer.writerow([_copy_value(row[c]) for c in columns])
    buffer.seek(0)
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # the connection is open: it has just been used
    cursor = dbapi_connection.cursor()
    cursor.copy_expert(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def _copy_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _layout(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Flats in buildings along the streets; the seed's example account and a new consumer come first."""
    flats = [
        {"number": SEED_ACCOUNT, "street": STREETS[0][1], "building": "20", "flat": "1", "seed": True},
        {"number": NEW_ACCOUNT, "street": STREETS[0][1], "building": "20", "flat": "17", "new": True},
    ]
    serial = 10_000
    while len(flats) < count:
        code, street = rng.choice(STREETS)
        building = str(rng.randint(1, 120)) + rng.choice(["", "", "", "а", "б"])
        for flat in range(1, rng.randint(18, 140) + 1):
            if len(flats) >= count:
                break
            serial += 1
            flats.append(
                {"number": f"11{code:03d}{serial:08d}", "street": street, "building": building, "flat": str(flat)}
            )
    return flats[:count]


def _heating_tariff(month: dt.date) -> Decimal:
    return HEATING_TARIFF.get(month.year, HEATING_TARIFF_LATEST)


def _hot_water_tariff(month: dt.date) -> Decimal:
    return HOT_WATER_TARIFF.get(month.year, HOT_WATER_TARIFF_LATEST)


def _build(
    rng: random.Random,
    flats: list[dict[str, Any]],
    ids: _Ids,
    months: list[dt.date],
    windows: dict[dt.date, tuple[int, dt.datetime, dt.datetime]],
    now: dt.datetime,
    login_hash: str,
) -> _Rows:
    leaks = random.Random(f"leaks-{ids.next[Account]}")  # its own stream: flags do not shift the rest of the data
    recent = add_months(months[-1], -12)
    rows: _Rows = {m: [] for m in (Account, Meter, ConsumerLogin, ConsumerAccountLink, Charge, Payment, Reading)}
    for flat in flats:
        seed, new = flat.get("seed", False), flat.get("new", False)
        account_id = ids.take(Account)
        area = Decimal("62.40") if seed else _q(Decimal(rng.uniform(28, 98)))
        residents = 3 if seed else rng.choices([1, 2, 3, 4, 5], weights=[22, 34, 24, 14, 6])[0]
        has_heating = True if (seed or new) else rng.random() < 0.95
        has_hot_water = True if (seed or new) else rng.random() < 0.72
        metered = has_hot_water and (seed or new or rng.random() < 0.86)
        created = dt.datetime(2018, 12, 1, tzinfo=KYIV) if not new else now - dt.timedelta(days=20)
        rows[Account].append(
            dict(
                id=account_id,
                number=flat["number"],
                street=flat["street"],
                building=flat["building"],
                flat=flat["flat"],
                address=f"{flat['street']}, {flat['building']}, кв. {flat['flat']}",
                heated_area=area,
                residents=residents,
                has_heating=has_heating,
                has_hot_water=has_hot_water,
                created_at=created,
            )
        )
        meter_id: int | None
        if new:
            meter_id = ids.take(Meter)
            rows[Meter].append(
                dict(
                    id=meter_id,
                    account_id=account_id,
                    serial=NEW_ACCOUNT_METER,
                    service="hot_water",
                    unit="m3",
                    initial_value=Decimal("0.000"),
                    installed_on=now.date() - dt.timedelta(days=20),
                )
            )
            continue
        discount = (
            Decimal("16") if seed else (Decimal(rng.choice([10, 25, 50])) if rng.random() < 0.06 else Decimal("0"))
        )
        behaviour = "regular" if seed else rng.choices(["regular", "irregular", "debtor"], weights=[78, 14, 8])[0]
        login_id = None
        if not seed and rng.random() < 0.3:
            login_id = ids.take(ConsumerLogin)
            rows[ConsumerLogin].append(
                dict(
                    id=login_id,
                    login=f"+38067{account_id:07d}",
                    password_hash=login_hash,
                    language="uk",
                    created_at=dt.datetime(2020, 3, 1, tzinfo=KYIV),
                )
            )
            rows[ConsumerAccountLink].append(
                dict(
                    id=ids.take(ConsumerAccountLink),
                    login_id=login_id,
                    account_id=account_id,
                    method="payment",
                    linked_at=dt.datetime(2020, 3, 1, tzinfo=KYIV),
                )
            )
        meter_id = None
        value = Decimal("0.000")
        if metered:
            meter_id = ids.take(Meter)
            value = _q(Decimal(rng.uniform(5, 400)), MILLI)
            rows[Meter].append(
                dict(
                    id=meter_id,
                    account_id=account_id,
                    serial=SEED_METER if seed else f"{meter_id + 3_000_000:07d}",
                    service="hot_water",
                    unit="m3",
                    initial_value=value,
                    installed_on=dt.date(2017, 6, 1),
                )
            )
        per_day = Decimal(rng.gammavariate(2.2, 0.03 * residents / 2.2 * 2)) if has_hot_water else Decimal(0)
        reading_rate = 0.93 if seed else rng.choice([0.95, 0.9, 0.85, 0.7, 0.5])
        charges_by_service: dict[str, list[tuple[dt.date, Decimal]]] = {"heating": [], "hot_water": []}
        consumed_since_reading = Decimal(0)
        for month in [*months, add_months(months[-1], 1)]:
            billed = month <= months[-1]
            days = days_in_month(month)
            month_use = _q(per_day * days * Decimal(rng.uniform(0.7, 1.3)), MILLI) if has_hot_water else Decimal(0)
            if billed and has_heating and month.month in HEATING_SEASON:
                factor = HEATING_SEASON[month.month] * Decimal(rng.uniform(0.93, 1.07))
                tariff = _heating_tariff(month)
                volume = _q(area * GCAL_PER_M2 * factor, MILLI)
                amount = _q(volume * tariff)
                if seed and (month == dt.date(2020, 1, 1) or month == _last_heating_month(months)):
                    amount, volume = Decimal("2222.22"), _q(Decimal("2222.22") / tariff, MILLI)
                disc_amount = _q(amount * discount / 100)
                to_pay = amount - disc_amount
                rows[Charge].append(
                    dict(
                        id=ids.take(Charge),
                        account_id=account_id,
                        service="heating",
                        month=month,
                        volume=volume,
                        tariff=tariff,
                        amount=amount,
                        discount_percent=discount,
                        discount_amount=disc_amount,
                        amount_to_pay=to_pay,
                    )
                )
                charges_by_service["heating"].append((month, to_pay))
            if billed and has_hot_water:
                tariff = _hot_water_tariff(month)
                volume = month_use if metered else _q(Decimal("1.6") * residents, MILLI)
                amount = _q(volume * tariff)
                disc_amount = _q(amount * discount / 100)
                rows[Charge].append(
                    dict(
                        id=ids.take(Charge),
                        account_id=account_id,
                        service="hot_water",
                        month=month,
                        volume=volume,
                        tariff=tariff,
                        amount=amount,
                        discount_percent=discount,
                        discount_amount=disc_amount,
                        amount_to_pay=amount - disc_amount,
                    )
                )
                charges_by_service["hot_water"].append((month, amount - disc_amount))
            if metered:
                value += month_use
                consumed_since_reading += month_use
                window = windows.get(month)
                if window and rng.random() < reading_rate:
                    moment = _submission_moment(rng, (window[1], window[2]), now)
                    if moment is not None:
                        channel = _reading_channel(rng, moment, login_id)
                        reason = None
                        if not seed and month >= recent and leaks.random() < LEAK_SHARE:
                            # A leaking tap or a mistyped digit the consumer confirmed: flagged for staff review.
                            leak = _q(Decimal(leaks.uniform(12, 30)), MILLI)
                            value += leak
                            consumed_since_reading += leak
                            reason = f"consumption {consumed_since_reading} m3 above {settings().jump_floor_m3:.3f} m3"
                        rows[Reading].append(
                            dict(
                                id=ids.take(Reading),
                                meter_id=meter_id,
                                window_id=window[0],
                                value=value,
                                consumption=consumed_since_reading,
                                submitted_at=moment,
                                channel=channel,
                                status="accepted",
                                quality="actual",
                                flagged=reason is not None,
                                flag_reason=reason,
                                receipt_number=f"D{month:%Y%m}-{meter_id:08d}",
                                login_id=login_id if channel == "cabinet" else None,
                                source="demo",
                                external_ref=f"{meter_id}-{month:%Y%m}",
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
            paid_on = dt.datetime(due.year, due.month, day, rng.randint(8, 20), rng.randint(0, 59), tzinfo=KYIV)
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
            channel, source, _ = rng.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0]
            if channel == "cabinet" and paid_on.date() < CABINET_LAUNCH:
                channel, source = "bank", "privatbank"
            payment_id = ids.take(Payment)
            rows[Payment].append(
                dict(
                    id=payment_id,
                    account_id=account_id,
                    service=service,
                    amount=amount,
                    paid_at=paid_on,
                    channel=channel,
                    source=source,
                    external_ref=f"DEMO-{payment_id}",
                )
            )
            carried -= amount
