"""The bank registry's bulk path (COPY on PostgreSQL, multi-row INSERTs on SQLite) gives the same outcomes as the
row-by-row rules: every test runs on both dialects and expects the same literal results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import audit, import_bank, imports, reconciliation
from db.models import AuditLog, ImportBatch, Payment, PaymentIntent, RegistryMatch
from tests.conftest import kyiv

SEED, OTHER = "1120200001000", "1120200002000"
HEADER = "account_number;service;amount;paid_at;payment_ref;order_id;channel\n"


@pytest.fixture
def town(configure, world, engine):
    configure(TEPLO_NOW="2026-11-27T12:00")
    seed = world.account(SEED)
    other = world.account(OTHER, address="просп. Волі, 3, кв. 9")
    return world, seed, other


@pytest.fixture
def bulk_writer(monkeypatch, engine):
    """Which bulk writer the import used: COPY on PostgreSQL, INSERTs elsewhere."""
    used = []
    for name in ("_write_credited_by_copy", "_write_credited_by_insert"):
        original = getattr(reconciliation, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            used.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(reconciliation, name, spy)
    return used


def data(rows: str) -> bytes:
    return (HEADER + rows).replace("\n", "\r\n").encode("utf-8")


def counts(sessions) -> dict[str, int]:
    with sessions() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (Payment, RegistryMatch, ImportBatch, AuditLog)
        }


def payments(sessions) -> dict[str, tuple]:
    with sessions() as s:
        return {
            p.external_ref: (p.account_id, p.service, p.amount, p.paid_at, p.channel, p.source, p.import_batch_id)
            for p in s.scalars(select(Payment))
        }


MIXED = """1120200001000;heating;1 500,00;2026-11-10 10:15;PB-1;;
112020000100;heating;100,00;2026-11-10;PB-2;;
1120200002000;гаряча вода;87,45;10.11.2026 11:00;PB-3;;post
1120200001000;heating;1 500,00;2026-11-10 10:15;PB-1;;
1120200009999;heating;100,00;2026-11-10;PB-4;;
1120200002000;heating;0,01;2026-11-11T08:00:00;PB-5;;terminal
1120200001000;heating;10,00;2026-12-01;PB-6;;
"""


def test_a_mixed_file_gives_the_same_lines_and_rows_on_every_database(town, engine, bulk_writer):
    world, seed, other = town
    world.payment(seed, "heating", "42.00", kyiv(2026, 11, 1), ref="PB-5")  # already credited, another source
    with world.sessions.begin() as s:
        s.add(
            Payment(
                account_id=other,
                service="heating",
                amount=Decimal("5.00"),
                paid_at=kyiv(2026, 11, 1),
                channel="bank",
                source=import_bank.BANK_SOURCE,
                external_ref="PB-3",
            )
        )  # imported, other content

    done = imports.commit(world.sessions, "bank", "mixed.csv", data(MIXED), actor="operator")

    assert [row["line"] for row in done.to_add] == [2, 7]
    assert sorted(done.duplicates) == [5]
    assert [(c.line, c.key, c.stored["amount"], c.incoming["amount"]) for c in done.conflicts] == [
        (4, "PB-3", "5", "87.45")
    ]
    assert [(r.line, r.key) for r in done.rejected] == [
        (3, "import.account_format"),
        (6, "import.account_unknown"),
        (8, "import.future_date"),
    ]
    assert bulk_writer == [
        "_write_credited_by_copy" if engine.dialect.name == "postgresql" else "_write_credited_by_insert"
    ]
    stored = payments(world.sessions)
    assert stored["PB-1"] == (
        seed,
        "heating",
        Decimal("1500.00"),
        kyiv(2026, 11, 10, 10, 15),
        "bank",
        import_bank.BANK_SOURCE,
        done.batch_id,
    )
    assert stored["PB-5"] == (
        other,
        "heating",
        Decimal("0.01"),
        kyiv(2026, 11, 11, 8),
        "terminal",
        import_bank.BANK_SOURCE,
        done.batch_id,
    )
    with world.sessions() as s:
        matches = {m.external_ref: m for m in s.scalars(select(RegistryMatch))}
        ids = dict(
            s.execute(select(Payment.external_ref, Payment.id).where(Payment.source == import_bank.BANK_SOURCE)).all()
        )
        batch = s.get(ImportBatch, done.batch_id)
    assert sorted(matches) == ["PB-1", "PB-5"]
    assert all(
        m.payment_id == ids[ref]
        and m.outcome == "added"
        and m.issue is None
        and m.order_id is None
        and m.intent_id is None
        and m.import_batch_id == done.batch_id
        for ref, m in matches.items()
    )
    assert matches["PB-1"].created_at == kyiv(2026, 11, 27, 12)
    assert (batch.rows_total, batch.rows_added, batch.rows_duplicate, batch.rows_rejected, batch.rows_conflict) == (
        7,
        2,
        1,
        3,
        1,
    )


def test_amounts_keep_their_kopecks_exactly(town):
    world, _seed, _other = town
    amounts = {
        "K-1": ("0,01", "0.01"),
        "K-2": ("1 234 567,89", "1234567.89"),
        "K-3": ("99999999.99", "99999999.99"),
        "K-4": ("0.1", "0.10"),
        "K-5": ("7", "7.00"),
        "K-6": ("1866,66", "1866.66"),
    }
    rows = "".join(f"{SEED};heating;{typed};2026-11-10 10:15;{ref};;\n" for ref, (typed, _) in amounts.items())
    imports.commit(world.sessions, "bank", "kopecks.csv", data(rows), actor="operator")
    stored = payments(world.sessions)
    with world.sessions() as s:
        matched = dict(s.execute(select(RegistryMatch.external_ref, RegistryMatch.amount)).all())
    for ref, (_typed, exact) in amounts.items():
        assert stored[ref][2] == Decimal(exact) and str(stored[ref][2]) == exact
        assert matched[ref] == Decimal(exact)


def test_paid_at_round_trips_with_its_offset_in_winter_and_summer(town):
    world, *_ = town
    rows = (
        f"{SEED};heating;1,00;2026-07-01 00:30;T-summer;;\n"  # +03:00: still 30 June in UTC
        f"{SEED};heating;1,00;2026-03-29 04:30:15;T-dst;;\n"  # the first hour after the spring change
        f"{SEED};heating;1,00;01.01.2026 00:00;T-winter;;\n"  # +02:00: the old year in UTC
        f"{SEED};heating;1,00;2026-11-02;T-noon;;\n"
    )
    imports.commit(world.sessions, "bank", "times.csv", data(rows), actor="operator")
    expected = {
        "T-summer": kyiv(2026, 7, 1, 0, 30),
        "T-dst": kyiv(2026, 3, 29, 4, 30, 15),
        "T-winter": kyiv(2026, 1, 1, 0, 0),
        "T-noon": kyiv(2026, 11, 2, 12, 0),
    }
    stored = payments(world.sessions)
    with world.sessions() as s:
        matched = dict(s.execute(select(RegistryMatch.external_ref, RegistryMatch.paid_at)).all())
    for ref, moment in expected.items():
        assert stored[ref][3] == moment and stored[ref][3].utcoffset() is not None
        assert matched[ref] == moment
    assert stored["T-summer"][3].astimezone(dt.UTC) == dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC)


def test_references_with_backslashes_tabs_and_cyrillic_are_stored_as_written(town):
    world, *_ = town
    refs = ["\\N", "PB\\1", "ПБ-№7", 'a "quoted" ref', "tab\there", "two\nlines", "x\\ty"]
    rows = "".join(f'{SEED};heating;1,00;2026-11-10 10:15;"{ref.replace(chr(34), chr(34) * 2)}";;\n' for ref in refs)
    file = (HEADER + rows).encode("utf-8")  # `\n` line ends, so the one inside a quoted ref stays as it is
    done = imports.commit(world.sessions, "bank", "refs.csv", file, actor="operator")
    assert done.rejected == [] and done.rows_added == len(refs)
    assert sorted(payments(world.sessions)) == sorted(refs)
    with world.sessions() as s:
        assert sorted(s.scalars(select(RegistryMatch.external_ref))) == sorted(refs)
    again = imports.commit(world.sessions, "bank", "refs.csv", file, actor="operator")
    assert again.rows_added == 0 and len(again.duplicates) == len(refs)


def test_the_same_file_twice_adds_nothing(town):
    world, *_ = town
    first = imports.commit(world.sessions, "bank", "mixed.csv", data(MIXED), actor="operator")
    before = counts(world.sessions)
    again = imports.commit(world.sessions, "bank", "mixed.csv", data(MIXED), actor="operator")
    assert again.rows_added == 0 and again.imported_before is not None
    assert sorted(again.duplicates) == sorted(first.duplicates + [row["line"] for row in first.to_add])
    after = counts(world.sessions)
    assert after["payments"] == before["payments"] and after["registry_matches"] == before["registry_matches"]
    assert after["import_batches"] == before["import_batches"] + 1  # the second attempt is recorded, empty


def test_a_preview_leaves_nothing_behind(town):
    world, *_ = town
    before = counts(world.sessions)
    shown = imports.preview(world.sessions, "bank", "mixed.csv", data(MIXED))
    assert shown.rows_added == 3 and not shown.committed and shown.batch_id is None
    assert counts(world.sessions) == before
    done = imports.commit(world.sessions, "bank", "mixed.csv", data(MIXED), actor="operator")
    assert ([r["line"] for r in done.to_add], sorted(done.duplicates), done.rejected) == (
        [r["line"] for r in shown.to_add],
        sorted(shown.duplicates),
        shown.rejected,
    )


def paid_intent(sessions, account, order_id, *, status, amount="100.00", paid_at=None) -> int:
    with sessions.begin() as s:
        row = PaymentIntent(
            order_id=order_id,
            account_id=account,
            service="heating",
            amount=Decimal(amount),
            status=status,
            provider="liqpay",
            created_at=kyiv(2026, 11, 9),
            updated_at=kyiv(2026, 11, 9),
            paid_at=paid_at,
        )
        s.add(row)
        s.flush()
        return row.id


def test_rows_with_an_order_id_still_lock_their_intent_one_by_one(town, monkeypatch):
    world, seed, _other = town
    opened = paid_intent(world.sessions, seed, "ORDER-1", status="created")
    locked = []
    original = reconciliation._intent_for_update

    def spy(session, order_id):
        locked.append(order_id)
        return original(session, order_id)

    monkeypatch.setattr(reconciliation, "_intent_for_update", spy)
    rows = (
        f"{SEED};heating;100,00;2026-11-10 10:15;O-1;ORDER-1;\n"
        f"{SEED};heating;5,00;2026-11-10 10:16;O-2;;\n"
        f"{SEED};heating;7,00;2026-11-10 10:17;O-3;ORDER-404;\n"
    )
    done = imports.commit(world.sessions, "bank", "orders.csv", data(rows), actor="operator")
    assert locked == ["ORDER-1", "ORDER-404"]
    assert [r["line"] for r in done.to_add] == [2, 3, 4]
    with world.sessions() as s:
        intent = s.get(PaymentIntent, opened)
        matches = {
            m.external_ref: (m.outcome, m.issue, m.intent_id, m.order_id) for m in s.scalars(select(RegistryMatch))
        }
        credited = s.scalar(select(Payment.id).where(Payment.external_ref == "O-1"))
    assert (intent.status, intent.payment_id) == ("paid", credited)
    assert matches == {
        "O-1": ("matched_intent", None, opened, "ORDER-1"),
        "O-2": ("added", None, None, None),
        "O-3": ("added", "order_unknown", None, "ORDER-404"),
    }


def test_a_row_like_an_unconfirmed_cabinet_payment_is_flagged_by_the_bulk_path(town):
    world, seed, _other = town
    paid_intent(world.sessions, seed, "ORDER-9", status="paid", amount="250.00", paid_at=kyiv(2026, 11, 9, 20))
    rows = (
        f"{SEED};heating;250,00;2026-11-10 10:15;L-1;;\n"  # same account, service, amount, a day later
        f"{SEED};heating;250,00;2026-11-20 10:15;L-2;;\n"  # too late to be the same payment
        f"{SEED};heating;250,01;2026-11-10 10:15;L-3;;\n"
    )
    imports.commit(world.sessions, "bank", "lookalike.csv", data(rows), actor="operator")
    with world.sessions() as s:
        issues = dict(s.execute(select(RegistryMatch.external_ref, RegistryMatch.issue)).all())
    assert issues == {"L-1": "possible_duplicate", "L-2": None, "L-3": None}


def test_a_failed_commit_writes_nothing(town, monkeypatch):
    world, *_ = town
    before = counts(world.sessions)

    def broken(*args, **kwargs):
        raise RuntimeError("audit is down")

    monkeypatch.setattr(audit, "staff_action", broken)  # the commit's audit row fails
    with pytest.raises(RuntimeError):
        imports.commit(world.sessions, "bank", "mixed.csv", data(MIXED), actor="operator")
    assert counts(world.sessions) == before
