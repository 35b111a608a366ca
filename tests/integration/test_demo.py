"""The demo generator: deterministic, and holding the seed's example exactly as the seed describes it."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from core import consumers, estimates, windows
from core.errors import DomainError
from db.models import Account, Charge, Payment, Reading, ReadingWindow, StaffUser
from demo import generator as demo
from tests.conftest import kyiv

NOW = kyiv(2026, 11, 27, 12)


@pytest.fixture
def demo_db(engine, sessions):
    demo.generate(engine, size="tiny", now=NOW)
    return sessions


def test_seed_account_as_in_the_seed(demo_db):
    with demo_db() as s:
        account = s.scalar(select(Account).where(Account.number == demo.SEED_ACCOUNT))
        assert account.address == demo.SEED_ADDRESS
        january = s.scalar(
            select(Charge).where(
                Charge.account_id == account.id, Charge.service == "heating", Charge.month == dt.date(2020, 1, 1)
            )
        )
        assert (january.amount, january.discount_percent, january.amount_to_pay) == (
            Decimal("2222.22"),
            Decimal("16.00"),
            Decimal("1866.66"),
        )
        last = consumers.last_payments(s, account.id)
        assert last == {"heating": Decimal("1866.66"), "hot_water": demo.SEED_LAST_HOT_WATER_PAYMENT}
        assert s.scalar(select(func.min(Charge.month))) == dt.date(2019, 1, 1)
        heating_months = {m.month for m in s.scalars(select(Charge.month).where(Charge.service == "heating"))}
        assert heating_months <= {10, 11, 12, 1, 2, 3, 4}


@pytest.mark.parametrize(
    "moment",
    [
        kyiv(2026, 12, 1),  # November just billed; its bill is paid on the 2nd
        kyiv(2026, 12, 2, 8, 59),
        kyiv(2026, 12, 2, 9),  # November's bill paid this minute: the seed's amount moves to November
        kyiv(2027, 5, 1),  # the first month after the heating season
    ],
)
def test_the_seed_accounts_last_heating_payment_is_1866_66_on_any_day(sqlite_engine, moment):
    """README: register with 1120200001000 and 1866,66, whatever the day, the 1st of a month included."""
    from db.engine import make_sessions

    demo.generate(sqlite_engine, size="tiny", now=moment)
    with make_sessions(sqlite_engine)() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == demo.SEED_ACCOUNT))
        assert consumers.last_payments(s, account_id)["heating"] == Decimal("1866.66")


def test_both_last_payments_register_and_meter_only_for_the_new_account(demo_db):
    args = dict(password="тепла-зима-2020", password_repeated="тепла-зима-2020")
    consumers.register(
        demo_db,
        consumers.ProofAndPassword(
            account_number=demo.SEED_ACCOUNT, login="a@example.com", last_payment="1866,66", **args
        ),
        now=NOW,
    )
    consumers.register(
        demo_db,
        consumers.ProofAndPassword(
            account_number=demo.SEED_ACCOUNT, login="b@example.com", last_payment="87,45", **args
        ),
        now=NOW,
    )
    with pytest.raises(DomainError) as refused:
        consumers.register(
            demo_db,
            consumers.ProofAndPassword(
                account_number=demo.SEED_ACCOUNT, login="c@example.com", meter_serial=demo.SEED_METER, **args
            ),
            now=NOW,
        )
    assert refused.value.key == "registration.meter_not_allowed"
    consumers.register(
        demo_db,
        consumers.ProofAndPassword(
            account_number=demo.NEW_ACCOUNT, login="d@example.com", meter_serial=demo.NEW_ACCOUNT_METER, **args
        ),
        now=NOW,
    )


def test_windows_readings_and_additional_charges(demo_db):
    with demo_db() as s:
        periods = s.scalars(select(ReadingWindow.period).order_by(ReadingWindow.period)).all()
        assert periods[0] == dt.date(2019, 1, 1) and dt.date(2026, 11, 1) in periods
        assert windows.open_window(s, NOW).period == dt.date(2026, 11, 1)
        closed = windows.last_closed_window(s, NOW)
        assert closed.period == dt.date(2026, 10, 1)
        channels = set(s.scalars(select(Reading.channel).distinct()))
        assert {"cabinet", "water_utility"} <= channels
        lines = estimates.estimate(s, s.get(ReadingWindow, closed.id))
        assert lines, "the last closed window must leave some metered accounts without a reading"
        metered = s.scalar(select(func.count(Reading.meter_id.distinct())))
        assert len(lines) < metered
        assert s.scalar(select(func.count()).select_from(StaffUser)) == 4
        assert len(set(s.scalars(select(Payment.channel)))) >= 3


def test_generator_is_deterministic(sqlite_template, tmp_path):
    import shutil

    from db.engine import make_engine

    totals = []
    for name in ("a", "b"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.sqlite3")
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite3")
        demo.generate(engine, size=40, seed=7, now=NOW)
        with engine.connect() as c:
            totals.append(
                (
                    c.scalar(select(func.sum(Charge.amount_to_pay))),
                    c.scalar(select(func.sum(Payment.amount))),
                    c.scalar(select(func.count()).select_from(Reading)),
                )
            )
        engine.dispose()
    assert totals[0] == totals[1]


def test_recent_windows_hold_readings_flagged_for_review(sqlite_engine):
    from db.engine import make_sessions

    demo.generate(sqlite_engine, size=300, now=NOW)
    with make_sessions(sqlite_engine)() as s:
        flagged = s.execute(
            select(Reading.consumption, Reading.flag_reason, ReadingWindow.period)
            .join(ReadingWindow, ReadingWindow.id == Reading.window_id)
            .where(Reading.flagged.is_(True))
        ).all()
    assert flagged and all(period >= dt.date(2025, 10, 1) for _c, _r, period in flagged)
    assert all(consumption > 10 and f"consumption {consumption}" in reason for consumption, reason, _p in flagged)


def test_same_seed_same_rows_whatever_the_time_of_day(configure, sqlite_template, tmp_path, monkeypatch):
    """`manage.py demo` without a pinned clock: run at 09:15 or at 18:40 the same day, the same seed gives the
    same rows in every table (password hashes aside: each has its own salt)."""
    import shutil

    from core import clock
    from db.engine import make_engine
    from db.models import Base

    configure(TEPLO_NOW=None)
    dumps = []
    for name, moment in (("a", kyiv(2026, 11, 27, 9, 15, 3)), ("b", kyiv(2026, 11, 27, 18, 40, 59))):
        monkeypatch.setattr(clock, "now", lambda moment=moment: moment)
        shutil.copy(sqlite_template, tmp_path / f"{name}.sqlite3")
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite3")
        demo.generate(engine, size=40, seed=7)
        with engine.connect() as c:
            dumps.append(
                {
                    table.name: c.execute(
                        select(*[col for col in table.c if col.name != "password_hash"]).order_by(
                            *table.primary_key.columns
                        )
                    ).all()
                    for table in Base.metadata.sorted_tables
                }
            )
        engine.dispose()
    assert dumps[0]["accounts"] and dumps[0]["staff_users"]
    assert dumps[0] == dumps[1]


def _contents(engine) -> dict[str, object]:
    """What a generated database holds, comparable across SQLite and PostgreSQL (ids of the audit aside)."""
    from db.models import Account, AuditLog, ConsumerLogin, Meter

    with engine.connect() as c:
        return {
            "accounts": c.execute(select(Account.number, Account.heated_area).order_by(Account.id)).all(),
            "meters": c.execute(select(Meter.serial, Meter.initial_value).order_by(Meter.id)).all(),
            "logins": c.scalars(select(ConsumerLogin.login).order_by(ConsumerLogin.id)).all(),
            "charges": c.execute(
                select(Charge.account_id, Charge.month, Charge.amount_to_pay).order_by(Charge.id)
            ).all(),
            "payments": c.execute(select(Payment.external_ref, Payment.amount).order_by(Payment.id)).all(),
            "readings": c.execute(select(Reading.receipt_number, Reading.value).order_by(Reading.id)).all(),
            "audit": sorted(
                c.execute(select(AuditLog.action, AuditLog.entity, AuditLog.entity_id, AuditLog.actor)).all()
            ),
        }


def test_a_stopped_generation_resumes_where_it_stopped(engine, sqlite_template, tmp_path, monkeypatch):
    """A server restart halfway: the chunks committed stay, a rerun with the same arguments makes the rest, and
    the database ends as an uninterrupted run leaves it (indexes and keys included)."""
    import shutil

    from db.engine import make_engine
    from demo import audit_trail

    shutil.copy(sqlite_template, tmp_path / "reference.sqlite3")
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
    demo.generate(reference, size=50, seed=7, now=NOW, chunk=20)
    expected = _contents(reference)
    reference.dispose()

    written = audit_trail.write_chunk
    calls = []

    def restart_during_the_second_chunk(connection, span):
        calls.append(span)
        if len(calls) == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        written(connection, span)

    monkeypatch.setattr(audit_trail, "write_chunk", restart_during_the_second_chunk)
    with pytest.raises(ConnectionError):
        demo.generate(engine, size=50, seed=7, now=NOW, chunk=20)
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(Account)) == 20
    monkeypatch.setattr(audit_trail, "write_chunk", written)

    summary = demo.generate(engine, size=50, seed=7, now=NOW, chunk=20)
    assert (summary.accounts, summary.resumed_from) == (50, 20)
    assert _contents(engine) == expected
    assert expected["audit"] and expected["readings"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            foreign_keys = c.scalar(
                text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'charges'::regclass")
            )
            unique = c.scalar(
                text("SELECT count(*) FROM pg_constraint WHERE contype = 'u' AND conrelid = 'readings'::regclass")
            )
            indexes = c.scalar(text("SELECT count(*) FROM pg_indexes WHERE tablename = 'audit_log'"))
        assert foreign_keys >= 2 and unique == 2 and indexes == 4


def test_the_audit_trail_holds_what_the_history_did(demo_db):
    """Readings, registrations and cabinet payments leave the rows core.audit writes, so the account look-up
    reads a realistic trail."""
    from core import lookup
    from db.models import AuditLog, ConsumerAccountLink

    with demo_db() as s:
        actions = dict(s.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
        assert actions["reading.submitted"] == s.scalar(select(func.count()).select_from(Reading))
        assert actions["consumer.registered"] == actions["account.linked"] > 0
        assert actions["payment.intent_created"] == actions["payment.paid"] > 0
        assert actions["staff.login"] > 0
        linked = s.scalar(select(ConsumerAccountLink.account_id).order_by(ConsumerAccountLink.id).limit(1))
    card = lookup.account_card(demo_db, linked)
    assert card.audit and {line.action for line in card.audit} <= set(actions)


def test_the_audit_details_are_the_texts_core_audit_writes(demo_db):
    """The same JSON text as json.dumps in core.audit (key order, separators, no null reason), with the values
    in their decimal form on both databases."""
    import json

    from db.models import AuditLog

    with demo_db() as s:
        details = s.execute(select(AuditLog.action, AuditLog.details).where(AuditLog.details.is_not(None))).all()
        values = {str(v) for v in s.scalars(select(Reading.value))}
        amounts = {str(a) for a in s.scalars(select(Payment.amount).where(Payment.channel == "cabinet"))}
    assert details
    for action, text_ in details:
        parsed = json.loads(text_)
        assert json.dumps(parsed, ensure_ascii=False) == text_
        if action == "reading.submitted":
            assert parsed["value"] in values and ("reason" in parsed) == parsed["flagged"]
        if action == "payment.paid":
            assert parsed["amount"] in amounts and isinstance(parsed["payment_id"], int)
