"""Shared fixtures: a migrated database per test, on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from core import balances, config, consumers, passwords, rollups, window_figures
from core.clock import KYIV
from core.windows import default_bounds
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import Account, Base, Charge, Meter, Payment, Reading, ReadingWindow

# The property tests check rules, not speed: on a loaded 2-core machine one example can take longer than
# hypothesis's 200 ms deadline, which would fail a correct rule.
hypothesis_settings.register_profile("teplo", deadline=None)
hypothesis_settings.load_profile("teplo")


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist (test.sh runs the suite on as many workers as cores), each worker gets its own fresh
    database beside TEST_DATABASE_URL's, `<name>_<worker>`, with that database's settings (CI's synchronous_commit),
    so that two workers never empty each other's tables; the processes a test starts find it in TEST_DATABASE_URL.
    It is dropped when the worker ends."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.pool import NullPool

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        commit_setting = connection.scalar(text("SELECT current_setting('synchronous_commit')"))
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = {commit_setting}'))
    admin.dispose()
    own = base.set(database=name).render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = own
    return own


PG_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))


def pytest_unconfigure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if PG_URL and worker:
        from sqlalchemy import create_engine, make_url
        from sqlalchemy.pool import NullPool

        own = make_url(PG_URL)
        admin = create_engine(own.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        admin.dispose()


def pytest_configure(config):
    config.addinivalue_line("markers", "parallel_processes: races many processes against one database")
    config.addinivalue_line("markers", "production_hashing: Argon2id at production cost (see fast_passwords)")


def pytest_collection_modifyitems(config, items):
    """How test.sh's workers share the suite (`--dist loadgroup`): a browser or deployment file's tests stay on one
    worker, which starts the file's app servers once; the tests that race many processes against one database
    (`@pytest.mark.parallel_processes`) take turns on one worker, so that together they stay under PostgreSQL's
    100 connections. Every other test goes to whichever worker is free."""
    for item in items:
        folder = item.path.parent.name
        if item.get_closest_marker("parallel_processes"):
            item.add_marker(pytest.mark.xdist_group("parallel_processes"))
        elif folder in ("e2e", "deploy"):
            item.add_marker(pytest.mark.xdist_group(f"{folder}/{item.path.name}"))


PG_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/teplo_test); .ci/run sets it"
)


@pytest.fixture(autouse=True)
def process_settings():
    """Every test starts and ends with the settings of the environment (built again on first use), so no test
    sees another's."""
    config.use(None)
    yield
    config.use(None)


_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_passwords(request, monkeypatch):
    """Argon2id with its lightest parameters (one pass over 1 MiB) in the test process and the workers it forks,
    instead of production's three passes over 64 MiB: 0.3 s of CPU a hash or check, which hundreds of registrations
    and logins would pay. The hashes are still real Argon2id, verified for real. A test marked
    `production_hashing` keeps production's (the upgrade of an old hash on login); the app servers the browser
    and deployment suites start always hash at production cost."""
    if request.node.get_closest_marker("production_hashing") is None:
        monkeypatch.setattr(passwords, "_hasher", _FAST_HASHER)


@pytest.fixture
def configure(monkeypatch):
    """This test's settings: `configure(TEPLO_NOW="2026-11-27T12:00", TEPLO_DEMO=None)` sets (None: removes) the
    variables in the environment, for the processes the test starts, and installs the settings built from it
    (core.config.use) in this process; both are undone after the test."""

    def apply(**values: str | None) -> config.Settings:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        config.use(config.Settings.from_environ(os.environ))
        return config.settings()

    return apply


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine():
    if not PG_URL:
        if os.environ.get("TEPLO_REQUIRE_PG"):
            pytest.fail("TEPLO_REQUIRE_PG is set but TEST_DATABASE_URL is not")
        pytest.skip(PG_SKIP_REASON)
    engine = make_engine(PG_URL)
    upgrade(engine)
    yield engine
    engine.dispose()


def _sqlite_engine(template, tmp_path):
    path = tmp_path / "test.sqlite3"
    shutil.copy(template, path)
    return make_engine(f"sqlite:///{path}")


_OWNED_SEQUENCES_IN_USE = text("""
    SELECT sequence.oid::regclass::text, used.start_value FROM pg_class sequence
    JOIN pg_depend owner ON owner.objid = sequence.oid AND owner.deptype IN ('a', 'i')
    JOIN pg_class owning ON owning.oid = owner.refobjid
    JOIN pg_sequences used ON used.schemaname = sequence.relnamespace::regnamespace::text
                          AND used.sequencename = sequence.relname
    WHERE sequence.relkind = 'S' AND owning.relname = ANY(:tables) AND used.last_value IS NOT NULL""")


def _truncate(engine) -> None:
    """Empty every table and restart its ids, as TRUNCATE … RESTART IDENTITY does. Where the test database's user may
    (a superuser, as in CI), rows are deleted with triggers off for this transaction only (the append-only guards
    and the foreign keys are triggers): about 20× quicker than TRUNCATE, which gives each of the tables new files on
    every test. Ids restart the same way (each sequence the tables own and have used, from its start)."""
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as connection:
        superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if not superuser:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(tables):
            connection.execute(text(f"DELETE FROM {table}"))
        for sequence, start in connection.execute(_OWNED_SEQUENCES_IN_USE, {"tables": tables}).all():
            connection.execute(text("SELECT setval(:sequence, :start, false)"), {"sequence": sequence, "start": start})


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, sqlite_template, tmp_path):
    """A freshly migrated, empty database: the same test runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_engine(sqlite_template, tmp_path)
        yield eng
        eng.dispose()
    else:
        pg = request.getfixturevalue("pg_engine")
        _truncate(pg)
        yield pg


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    eng = _sqlite_engine(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


def kyiv(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KYIV)  # type: ignore[misc]


SEED_PASSWORD = "тепла-зима-2020"


def register_consumer(
    sessions,
    login: str,
    *,
    number: str = "1120200001000",
    amount: str | None = "1866,66",
    meter: str | None = None,
    password: str = SEED_PASSWORD,
    now: dt.datetime | None = None,
) -> int:
    """A consumer registered through core.consumers: by the seed account's last payment unless told otherwise
    (`amount=None, meter=...`: by the meter)."""
    form = consumers.ProofAndPassword(
        account_number=number,
        login=login,
        password=password,
        password_repeated=password,
        last_payment=amount,
        meter_serial=meter,
    )
    return consumers.register(sessions, form, now=now)


class World:
    """Builds small, explicit fixtures whose every number a test can compute by hand."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions

    def account(
        self,
        number="1120200001000",
        *,
        heating=True,
        hot_water=True,
        residents=2,
        address="вул. Гулака-Артемовського, 20, кв. 1",
    ) -> int:
        # The register's columns as core.register_parsing builds the address from them: "street, house, кв. flat".
        street, building, *rest = [part.strip() for part in address.split(",")] + ["20"]
        flat = rest[0].removeprefix("кв.").strip() if rest and rest[0].startswith("кв.") else None
        with self.sessions.begin() as s:
            row = Account(
                number=number,
                street=street,
                building=building,
                flat=flat,
                address=address,
                heated_area=Decimal("62.40"),
                residents=residents,
                has_heating=heating,
                has_hot_water=hot_water,
                created_at=kyiv(2019, 1, 1),
            )
            s.add(row)
            s.flush()
            window_figures.forget(s)  # a register change, as core.register_import makes it
            return row.id

    def meter(
        self, account_id, serial="0812345", initial="100.000", installed=dt.date(2018, 1, 1), removed=None
    ) -> int:
        with self.sessions.begin() as s:
            row = Meter(
                account_id=account_id,
                serial=serial,
                service="hot_water",
                unit="m3",
                initial_value=Decimal(initial),
                installed_on=installed,
                removed_on=removed,
            )
            s.add(row)
            s.flush()
            window_figures.forget(s)  # a register change, as core.register_import makes it
            return row.id

    def charge(self, account_id, service, month, amount, discount="0", volume="1.000", tariff="1.0000") -> None:
        from core.charges import to_pay  # the rule every charge obeys (core.imports checks it too)

        amount, discount = Decimal(amount), Decimal(discount)
        left = to_pay(amount, discount)
        with self.sessions.begin() as s:
            s.add(
                Charge(
                    account_id=account_id,
                    service=service,
                    month=month,
                    volume=Decimal(volume),
                    tariff=Decimal(tariff),
                    amount=amount,
                    discount_percent=discount,
                    discount_amount=amount - left,
                    amount_to_pay=left,
                )
            )
            rollups.add_charges(s, s.new)  # what every write path does (core.rollups, core.balances)
            balances.written_before(s, month=month)

    def payment(self, account_id, service, amount, paid_at, channel="bank", ref=None) -> None:
        with self.sessions.begin() as s:
            s.add(
                Payment(
                    account_id=account_id,
                    service=service,
                    amount=Decimal(amount),
                    paid_at=paid_at,
                    channel=channel,
                    source="test",
                    external_ref=ref or f"{account_id}-{service}-{paid_at.isoformat()}",
                )
            )
            rollups.add_payments(s, s.new)
            balances.written_before(s, moment=paid_at)

    def window(self, period: dt.date, opens=None, closes=None) -> int:
        default_opens, default_closes = default_bounds(period)
        with self.sessions.begin() as s:
            row = ReadingWindow(period=period, opens_at=opens or default_opens, closes_at=closes or default_closes)
            s.add(row)
            s.flush()
            return row.id

    def reading(self, meter_id, window_id, value, submitted_at, consumption="0", channel="water_utility") -> None:
        with self.sessions.begin() as s:
            s.add(
                Reading(
                    meter_id=meter_id,
                    window_id=window_id,
                    value=Decimal(value),
                    consumption=Decimal(consumption),
                    submitted_at=submitted_at,
                    channel=channel,
                    status="accepted",
                    quality="actual",
                    flagged=False,
                    receipt_number=f"T-{meter_id}-{window_id}-{value}",
                )
            )
            rollups.standing_changed(s, meter_id, window_id, channel, None)


@pytest.fixture
def world(sessions) -> World:
    return World(sessions)


@pytest.fixture
def seed_world(world) -> tuple[World, int]:
    """The seed's example: account 1120200001000, January 2020 heating 2222,22 − 16 % = 1866,66, paid;
    the last hot-water payment 412,37; an older heating payment 1500,00."""
    account = world.account()
    world.meter(account)
    world.charge(account, "heating", dt.date(2020, 1, 1), "2222.22", discount="16")
    world.charge(account, "hot_water", dt.date(2020, 1, 1), "412.37")
    world.payment(account, "heating", "1500.00", kyiv(2020, 1, 10))
    world.payment(account, "heating", "1866.66", kyiv(2020, 2, 12))
    world.payment(account, "hot_water", "412.37", kyiv(2020, 2, 13))
    return world, account
