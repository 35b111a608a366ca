"""A row whose key is stored with different content is a conflict, never a duplicate; staff resolve it with a
reversing entry plus the corrected row (audited), never by updating money in place. Both databases."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core import balances, conflict_resolution, import_conflicts, imports, reconciliation_report
from core.consumers import last_payments
from core.errors import DomainError
from core.statements import statement
from db.models import AuditLog, Charge, DebtRecord, ImportConflict, Payment, Reading, RegistryMatch
from tests.conftest import kyiv
from tests.integration.test_imports import OTHER, SEED, count, town, utf8  # noqa: F401 (fixture)

BANK = "account_number;service;paid_at;payment_ref;amount\n"
CUT = BANK + f"{OTHER};heating;2026-10-10 10:20;PB-2;15\n"  # as an older import stored the cut row
WHOLE = BANK + f"{OTHER};heating;2026-10-10 10:20;PB-2;1500\n"


def conflicts(sessions) -> list[tuple]:
    with sessions() as s:
        return (
            s.execute(
                select(ImportConflict.kind, ImportConflict.key, ImportConflict.status).order_by(ImportConflict.id)
            )
            .tuples()
            .all()
        )


def paid(sessions, account_id, service="heating") -> Decimal:
    with sessions() as s:
        return (
            statement(s, account_id)
            .services[[x.service for x in statement(s, account_id).services].index(service)]
            .paid
        )


def test_the_complete_registry_after_a_cut_one_is_a_conflict_not_a_duplicate(town):
    world, _seed, other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")

    preview = imports.preview(world.sessions, "bank", "whole.csv", utf8(WHOLE))
    assert (preview.duplicates, preview.rows_added) == ([], 0)
    [conflict] = preview.conflicts
    assert (conflict.line, conflict.key, conflict.stored["amount"], conflict.incoming["amount"]) == (
        2,
        "PB-2",
        "15",
        "1500",
    )
    assert conflict.differences == ["amount"]
    assert conflicts(world.sessions) == []  # the preview stores nothing

    done = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator")
    assert (done.duplicates, [c.key for c in done.conflicts]) == ([], ["PB-2"])
    again = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator")
    assert [(c.id, c.status) for c in again.conflicts] == [(done.conflicts[0].id, "open")]
    assert conflicts(world.sessions) == [("bank", "PB-2", "open")]  # stored once
    assert paid(world.sessions, other) == Decimal("15.00")  # nothing changed until staff resolve it


def test_resolving_a_payment_conflict_reverses_and_credits_the_corrected_amount(town):
    world, _seed, other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    [conflict] = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator").conflicts
    balances.debt_at_start_of(world.sessions, dt.date(2026, 11, 1))  # recorded after the payment's day
    assert count(world.sessions, DebtRecord) == 1

    conflict_resolution.resolve(world.sessions, conflict.id, actor="operator1")

    with world.sessions() as s:
        rows = s.execute(
            select(
                Payment.external_ref,
                Payment.amount,
                Payment.paid_at,
                Payment.reverses_id,
                Payment.replaces_id,
                Payment.id,
            ).order_by(Payment.id)
        ).all()
        logged = s.scalar(select(AuditLog).where(AuditLog.action == "import.conflict_resolved"))
        matches = dict(s.execute(select(RegistryMatch.external_ref, RegistryMatch.amount)).tuples().all())
        stated = statement(s, other)
    original = rows[0]
    assert [(r.external_ref, r.amount, r.reverses_id, r.replaces_id) for r in rows] == [
        ("PB-2", Decimal("15.00"), None, None),  # the original stays as it was
        ("PB-2#rev1", Decimal("-15.00"), original.id, None),
        ("PB-2#fix1", Decimal("1500.00"), None, original.id),
    ]
    assert rows[1].paid_at == kyiv(2026, 10, 10, 10, 20)
    assert logged.actor == "operator1" and logged.entity_id == str(conflict.id)
    assert sum(matches.values()) == Decimal("1500.00")  # the registry side nets out too
    heating = [x for x in stated.services if x.service == "heating"][0]
    assert heating.paid == Decimal("1500.00") and heating.last_payment.amount == Decimal("1500.00")
    assert [(p.amount, p.correction) for p in stated.payments] == [
        (Decimal("1500.00"), "replacement"),
        (Decimal("-15.00"), "reversal"),
        (Decimal("15.00"), "reversed"),
    ]
    assert count(world.sessions, DebtRecord) == 0  # dropped: it held the old October figure
    with world.sessions() as s:  # registration by the last payment knows the corrected amount only
        assert last_payments(s, other) == {"heating": Decimal("1500.00")}
    assert conflicts(world.sessions) == [("bank", "PB-2", "resolved")]

    again = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator")
    assert (again.duplicates, again.conflicts, again.rows_added) == ([2], [], 0)
    with pytest.raises(DomainError) as refused:
        conflict_resolution.resolve(world.sessions, conflict.id, actor="operator1")
    assert refused.value.key == "conflict.not_open"
    assert count(world.sessions, Payment) == 3


def test_a_payment_conflict_holds_the_stored_channel_and_its_fix_takes_the_files(town):
    world, _seed, _other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    by_terminal = "account_number;service;paid_at;payment_ref;amount;channel\n" + (
        f"{OTHER};heating;2026-10-10 10:20;PB-2;1500;terminal\n"
    )
    [conflict] = imports.commit(world.sessions, "bank", "terminal.csv", utf8(by_terminal), actor="operator").conflicts
    assert (conflict.stored["channel"], conflict.incoming["channel"]) == ("bank", "terminal")
    assert conflict.differences == ["amount", "channel"]

    conflict_resolution.resolve(world.sessions, conflict.id, actor="operator1")
    with world.sessions() as s:
        channels = s.execute(select(Payment.external_ref, Payment.channel).order_by(Payment.id)).tuples().all()
    assert channels == [("PB-2", "bank"), ("PB-2#rev1", "bank"), ("PB-2#fix1", "terminal")]


def test_a_payment_conflict_recorded_without_the_stored_channel_is_listed_with_its_payments(town):
    """Conflicts recorded before the stored side kept the channel: the payment they were found against tells it."""
    world, _seed, _other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    [conflict] = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator").conflicts
    with world.sessions.begin() as s:
        row = s.get_one(ImportConflict, conflict.id)
        row.stored = json.dumps({k: v for k, v in json.loads(row.stored).items() if k != "channel"})
    [listed] = import_conflicts.list_conflicts(world.sessions)
    assert listed.stored["channel"] == "bank"


def test_reconciliation_report_counts_the_correction(town):
    world, *_ = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    [conflict] = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator").conflicts
    conflict_resolution.resolve(world.sessions, conflict.id, actor="operator1")
    report = reconciliation_report.reconciliation_report(world.sessions, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert report.outcomes["added"] == (1, Decimal("15.00"))
    assert report.outcomes["corrected"] == (2, Decimal("1485.00"))
    assert report.unmatched_rows == []


CHARGES = "account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay\n"


def test_resolving_a_charge_conflict_adds_a_reversal_and_the_corrected_charge(town):
    world, _seed, other = town
    world.charge(other, "hot_water", dt.date(2026, 10, 1), "8.00", volume="0.900", tariff="98.52")  # the cut value
    whole = CHARGES + f"{OTHER};hot_water;2026-10;0,900;98,52;88,67;0;88,67\n"
    preview = imports.preview(world.sessions, "charges", "billing.csv", utf8(whole))
    assert preview.duplicates == [] and [c.key for c in preview.conflicts] == [f"{OTHER}/hot_water/2026-10"]
    assert preview.conflicts[0].differences == ["amount", "amount_to_pay"]
    [conflict] = imports.commit(world.sessions, "charges", "billing.csv", utf8(whole), actor="operator").conflicts
    before = balances.debt_at_start_of(world.sessions, dt.date(2026, 11, 1))  # October's charges count from then
    assert count(world.sessions, DebtRecord) == 1

    conflict_resolution.resolve(world.sessions, conflict.id, actor="admin1")

    with world.sessions() as s:
        rows = s.execute(
            select(Charge.amount, Charge.amount_to_pay, Charge.volume, Charge.reverses_id, Charge.replaces_id)
            .where(Charge.account_id == other)
            .order_by(Charge.id)
        ).all()
        stated = statement(s, other)
        original = s.scalar(select(Charge.id).where(Charge.account_id == other).order_by(Charge.id))
    assert rows == [
        (Decimal("8.00"), Decimal("8.00"), Decimal("0.900"), None, None),
        (Decimal("-8.00"), Decimal("-8.00"), Decimal("-0.900"), original, None),
        (Decimal("88.67"), Decimal("88.67"), Decimal("0.900"), None, original),
    ]
    hot_water = [x for x in stated.services if x.service == "hot_water"][0]
    assert hot_water.charged == Decimal("88.67") and hot_water.latest_charge.amount_to_pay == Decimal("88.67")
    assert [c.correction for c in stated.charges if c.service == "hot_water"] == ["replacement", "reversal", "reversed"]
    assert count(world.sessions, DebtRecord) == 0
    assert balances.debt_at_start_of(world.sessions, dt.date(2026, 11, 1)) == before + Decimal("80.67")
    with world.sessions() as s:
        assert balances.debts_at(s, kyiv(2026, 11, 27, 12))[0] >= Decimal("88.67")

    again = imports.commit(world.sessions, "charges", "billing.csv", utf8(whole), actor="operator")
    assert (again.duplicates, again.conflicts) == ([2], [])
    # A second correction of the same month reverses the corrected row, not the original again.
    fixed = CHARGES + f"{OTHER};hot_water;2026-10;0,900;98,52;88,68;0;88,68\n"
    [second] = imports.commit(world.sessions, "charges", "billing.csv", utf8(fixed), actor="operator").conflicts
    assert second.stored["amount_to_pay"] == "88.67"
    conflict_resolution.resolve(world.sessions, second.id, actor="admin1")
    with world.sessions() as s:
        assert statement(s, other).services[1].charged == Decimal("88.68")
        assert s.scalar(select(func.count()).select_from(Charge).where(Charge.account_id == other)) == 5


def test_resolving_a_reading_conflict_supersedes_the_stored_reading(town):
    world, *_ = town
    readings = "meter_serial;value;read_at;ref\n0812345;{value};2026-11-26 09:30;VK-1\n"
    imports.commit(world.sessions, "readings", "v1.csv", utf8(readings.format(value="152,500")), actor="operator")
    done = imports.commit(
        world.sessions, "readings", "v2.csv", utf8(readings.format(value="155,000")), actor="operator"
    )
    assert done.duplicates == [] and [c.key for c in done.conflicts] == ["VK-1"]
    conflict_resolution.resolve(world.sessions, done.conflicts[0].id, actor="operator1")
    with world.sessions() as s:
        rows = s.execute(
            select(Reading.external_ref, Reading.value, Reading.status)
            .where(Reading.source == "water_utility")
            .order_by(Reading.id)
        ).all()
    assert rows == [("VK-1", Decimal("152.500"), "superseded"), ("VK-1#fix1", Decimal("155.000"), "accepted")]
    again = imports.commit(
        world.sessions, "readings", "v2.csv", utf8(readings.format(value="155,000")), actor="operator"
    )
    assert (again.duplicates, again.conflicts) == ([2], [])


def test_settling_a_reading_conflict_below_the_previous_reading_is_refused_in_the_operators_words(town):
    world, *_ = town
    readings = "meter_serial;value;read_at;ref\n0812345;{value};2026-11-26 09:30;VK-1\n"
    imports.commit(world.sessions, "readings", "v1.csv", utf8(readings.format(value="152,500")), actor="operator")
    done = imports.commit(world.sessions, "readings", "v2.csv", utf8(readings.format(value="100,5")), actor="operator")
    with pytest.raises(DomainError) as refused:
        conflict_resolution.resolve(world.sessions, done.conflicts[0].id, actor="operator1")
    assert refused.value.message("en") == (
        "Line 2: the reading 100.500 of meter 0812345 is below the previous one, 150.000 of 02.11.2026. "
        "A meter never runs backwards: check the reading with the water utility."
    )
    assert conflicts(world.sessions) == [("readings", "VK-1", "open")]


def test_a_dismissal_needs_a_reason_and_keeps_the_stored_row(town):
    world, _seed, other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    [conflict] = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator").conflicts
    with pytest.raises(DomainError) as refused:
        conflict_resolution.dismiss(world.sessions, conflict.id, actor="operator1", note="  ")
    assert refused.value.key == "conflict.note_required"
    conflict_resolution.dismiss(world.sessions, conflict.id, actor="operator1", note="банк підтвердив 15,00")
    assert conflicts(world.sessions) == [("bank", "PB-2", "dismissed")]
    assert paid(world.sessions, other) == Decimal("15.00")
    # The same file again still shows the row as a conflict (already dismissed), never as a duplicate.
    again = imports.preview(world.sessions, "bank", "whole.csv", utf8(WHOLE))
    assert (again.duplicates, [(c.key, c.status) for c in again.conflicts]) == ([], [("PB-2", "dismissed")])


def test_a_key_repeated_in_one_file_with_other_values_is_rejected(town):
    world, *_ = town
    text = BANK + f"{OTHER};heating;2026-10-10 10:20;PB-9;15\n{OTHER};heating;2026-10-10 10:20;PB-9;1500\n"
    result = imports.commit(world.sessions, "bank", "twice.csv", utf8(text), actor="operator")
    assert [(r.line, r.key, r.params["first"]) for r in result.rejected] == [(3, "import.key_repeated", 2)]
    # What the operator reads for it, in either language (its parameter named `key` once made this a traceback).
    assert result.rejected[0].message("uk") == "Запис «платіж № PB-9» уже є в рядку 2 цього файлу з іншими значеннями."
    assert (
        result.rejected[0].message("en")
        == "Record “payment No. PB-9” already appears on line 2 of this file with different values."
    )


def _resolve_in_process(url: str, conflict_id: int, gate, results) -> None:
    from sqlalchemy import create_engine

    from db.engine import make_sessions

    engine = create_engine(url, poolclass=NullPool)
    with gate:
        try:
            conflict_resolution.resolve(make_sessions(engine), conflict_id, actor=f"operator-{os.getpid()}")
            results.put("resolved")
        except DomainError as exc:
            results.put(exc.key)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(repr(exc))
    engine.dispose()


@pytest.mark.parallel_processes
def test_parallel_resolutions_credit_the_correction_once(town, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel processes against one server: PostgreSQL")
    world, _seed, other = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    [conflict] = imports.commit(world.sessions, "bank", "whole.csv", utf8(WHOLE), actor="operator").conflicts
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    gate, results = context.BoundedSemaphore(40), context.Queue()
    workers = [
        context.Process(
            target=_resolve_in_process,
            args=(engine.url.render_as_string(hide_password=False), conflict.id, gate, results),
        )
        for _ in range(12)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join()
    assert outcomes == ["conflict.not_open"] * 11 + ["resolved"]
    assert paid(world.sessions, other) == Decimal("1500.00")
    assert count(world.sessions, Payment) == 3


def _commit_in_process(url: str, data: bytes, gate, results) -> None:
    from sqlalchemy import create_engine

    from db.engine import make_sessions

    engine = create_engine(url, poolclass=NullPool)
    with gate:
        try:
            done = imports.commit(make_sessions(engine), "bank", "whole.csv", data, actor=f"operator-{os.getpid()}")
            results.put(f"conflicts={len(done.conflicts)}")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(repr(exc))
    engine.dispose()


@pytest.mark.parallel_processes
def test_parallel_imports_of_a_conflicting_file_store_the_conflict_once(town, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel processes against one server: PostgreSQL")
    world, *_ = town
    imports.commit(world.sessions, "bank", "cut.csv", utf8(CUT), actor="operator")
    context = multiprocessing.get_context("fork")
    engine.dispose()  # no pooled connection crosses the fork
    gate, results = context.BoundedSemaphore(40), context.Queue()
    workers = [
        context.Process(
            target=_commit_in_process,
            args=(engine.url.render_as_string(hide_password=False), utf8(WHOLE), gate, results),
        )
        for _ in range(12)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    assert outcomes == ["conflicts=1"] * 12
    assert conflicts(world.sessions) == [("bank", "PB-2", "open")]
