"""Imports that cannot silently write wrong amounts: truncated files, control trailers, out-of-range dates,
non-ASCII digits, "to pay" that disagrees with the charge and its discount. Both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import imports
from core.errors import DomainError
from db.models import AuditLog, Charge, ImportBatch, Payment, Reading
from tests.integration.test_imports import OTHER, SEED, count, town, utf8  # noqa: F401 (fixture)


def raw(text: str) -> bytes:
    """The file exactly as written: CRLF line ends, and no line end after the last row unless the text has one."""
    return text.replace("\n", "\r\n").encode("utf-8")


# --- 1. a file cut inside its last field --------------------------------------------------------------------------

CHARGES_HEADER = "account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay\n"


def test_a_charges_file_cut_inside_its_last_field_stores_nothing_wrong(town):
    world, _seed, other = town
    # The billing's row ends `;88,67;0;88,67`; the file stops after `8`: the field count still matches.
    cut = raw(
        CHARGES_HEADER + f"{SEED};hot_water;2026-11;0,900;98,52;88,67;0;88,67\n"
        f"{OTHER};hot_water;2026-11;0,900;98,52;88,67;0;8"
    )
    result = imports.commit(world.sessions, "charges", "billing.csv", cut, actor="operator")
    assert [row["line"] for row in result.to_add] == [2]
    assert [(r.line, r.key) for r in result.rejected] == [(3, "import.truncated")]
    assert result.truncated
    message = result.rejected[0].message("uk")
    assert "Рядок 3" in message and "повний файл" in message
    with world.sessions() as s:
        assert s.scalars(select(Charge.amount_to_pay).where(Charge.account_id == other)).all() == []


def test_a_bank_registry_cut_inside_its_amount_credits_nothing(town):
    world, _seed, other = town
    cut = raw(
        "account_number;service;paid_at;payment_ref;amount\n"
        f"{SEED};heating;2026-11-10 10:15;PB-1;1866,66\n"
        f"{OTHER};heating;2026-11-10 10:20;PB-2;15"
    )  # 1500,00 in the bank's file
    preview = imports.preview(world.sessions, "bank", "registry.csv", cut)
    assert [(r.line, r.key) for r in preview.rejected] == [(3, "import.truncated")]
    assert "line break" in preview.rejected[0].message("en")
    done = imports.commit(world.sessions, "bank", "registry.csv", cut, actor="operator")
    assert [row["payment_ref"] for row in done.to_add] == ["PB-1"]
    with world.sessions() as s:
        assert s.scalars(select(Payment.amount).where(Payment.account_id == other)).all() == []


def test_a_readings_file_cut_inside_its_value_is_rejected_too(town):
    world, *_ = town
    cut = raw("meter_serial;read_at;ref;value\n0812345;2026-11-26 09:30;VK-1;15")  # 152,500
    result = imports.commit(world.sessions, "readings", "vodokanal.csv", cut, actor="operator")
    assert (result.rows_added, [(r.line, r.key) for r in result.rejected]) == (0, [(2, "import.truncated")])
    assert count(world.sessions, Reading) == 1  # only the fixture's own


def test_the_complete_file_with_its_last_line_end_imports_every_row(town):
    world, *_ = town
    whole = raw(CHARGES_HEADER + f"{OTHER};hot_water;2026-11;0,900;98,52;88,67;0;88,67\n")
    result = imports.commit(world.sessions, "charges", "billing.csv", whole, actor="operator")
    assert result.rejected == [] and [row["amount_to_pay"] for row in result.to_add] == [Decimal("88.67")]


BANK_HEADER = "account_number;service;amount;paid_at;payment_ref\n"
TWO_PAYMENTS = f"{SEED};heating;1 500,00;2026-11-10 10:15;PB-1\n{OTHER};hot_water;87,45;2026-11-10 11:00;PB-2\n"


def test_the_preview_shows_the_files_row_count_and_total(town):
    world, *_ = town
    result = imports.preview(world.sessions, "bank", "registry.csv", raw(BANK_HEADER + TWO_PAYMENTS))
    assert (result.rows_total, result.file_total, result.added_total) == (2, Decimal("1587.45"), Decimal("1587.45"))
    assert result.trailer is None


def test_a_matching_trailer_is_checked_and_shown(town):
    world, *_ = town
    result = imports.commit(
        world.sessions, "bank", "registry.csv", raw(BANK_HEADER + TWO_PAYMENTS + "TOTAL;2;1587,45\n"), actor="operator"
    )
    assert result.rejected == [] and result.rows_added == 2
    assert (result.trailer.rows, result.trailer.total, result.rows_total) == (2, Decimal("1587.45"), 2)


@pytest.mark.parametrize("trailer", ["TOTAL;3;1587,45\n", "Всього;2;1587,46\n", "TOTAL;2;1587,4"])
def test_a_trailer_that_disagrees_with_the_file_refuses_it_whole(town, trailer):
    world, *_ = town
    with pytest.raises(DomainError) as refused:
        imports.preview(world.sessions, "bank", "registry.csv", raw(BANK_HEADER + TWO_PAYMENTS + trailer))
    assert refused.value.key == "import.trailer_mismatch"
    assert "1 587,45" not in refused.value.message("uk") and "1587,45" in refused.value.message("uk")
    with pytest.raises(DomainError):
        imports.commit(
            world.sessions, "bank", "registry.csv", raw(BANK_HEADER + TWO_PAYMENTS + trailer), actor="operator"
        )
    assert count(world.sessions, Payment) == 0 and count(world.sessions, ImportBatch) == 0


def test_a_trailer_with_a_row_missing_refuses_the_file(town):
    """A registry cut between whole rows, the trailer kept: the count no longer matches."""
    world, *_ = town
    with pytest.raises(DomainError) as refused:
        imports.preview(
            world.sessions,
            "bank",
            "registry.csv",
            raw(BANK_HEADER + TWO_PAYMENTS.splitlines(keepends=True)[0] + "TOTAL;2;1587,45\n"),
        )
    assert refused.value.params["file_rows"] == 1


# --- 3. dates from before 2000 or after tomorrow -----------------------------------------------------------------


def test_year_one_dates_are_rejected_rows_and_the_rest_of_the_file_previews(town):
    world, *_ = town
    text = (
        BANK_HEADER + f"{SEED};heating;100,00;0001-01-01;Y-1\n{SEED};heating;100,00;01.01.0001 00:30;Y-2\n"
        f"{SEED};heating;100,00;31.12.1999 23:59;Y-3\n{SEED};heating;100,00;01.01.2000 00:00;Y-4\n"
    )
    preview = imports.preview(world.sessions, "bank", "old.csv", raw(text))
    assert [(r.line, r.key) for r in preview.rejected] == [
        (2, "import.date_range"),
        (3, "import.date_range"),
        (4, "import.date_range"),
    ]
    assert [row["payment_ref"] for row in preview.to_add] == ["Y-4"]
    assert "2000" in preview.rejected[0].message("uk")


def test_charge_months_before_2000_or_after_tomorrow_are_rejected(town):
    world, *_ = town
    text = CHARGES_HEADER + "".join(
        f"{OTHER};heating;{month};1;1;10,00;;\n" for month in ("0001-01", "12.1999", "2000-01", "2026-11", "2026-12")
    )
    result = imports.commit(world.sessions, "charges", "months.csv", raw(text), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {
        2: "import.date_range",
        3: "import.date_range",
        6: "import.date_range",
    }
    assert [row["month"] for row in result.to_add] == [dt.date(2000, 1, 1), dt.date(2026, 11, 1)]


def test_reading_dates_before_2000_are_rejected(town):
    world, *_ = town
    result = imports.preview(
        world.sessions,
        "readings",
        "old.csv",
        raw("meter_serial;value;read_at;ref\n0812345;152,500;0001-01-01;VK-OLD\n"),
    )
    assert [(r.line, r.key) for r in result.rejected] == [(2, "import.date_range")]


# --- 4. digits other than ASCII ----------------------------------------------------------------------------------


def test_arabic_indic_and_full_width_digits_are_refused_in_every_numeric_column(town):
    world, *_ = town
    bank = (
        BANK_HEADER + f"{SEED};heating;٣٤;2026-11-10;D-1\n"
        f"{SEED};heating;１２３;2026-11-10;D-2\n"
        "١١٢٠٢٠٠٠٠١٠٠٠;heating;10,00;2026-11-10;D-3\n"
        f"{SEED};heating;10,00;٢٠٢٦-١١-١٠;D-4\n"
        f"{SEED};heating;10,00;2026-11-10;D-5\n"
    )
    result = imports.commit(world.sessions, "bank", "digits.csv", raw(bank), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {
        2: "digits.non_ascii",
        3: "digits.non_ascii",
        4: "digits.non_ascii",
        5: "digits.non_ascii",
    }
    assert [row["payment_ref"] for row in result.to_add] == ["D-5"]
    assert "0–9" in result.rejected[0].message("uk") and "0–9" in result.rejected[0].message("en")

    charges = CHARGES_HEADER + f"{OTHER};heating;٢٠٢٦-١١;1;1;10,00;;\n{OTHER};hot_water;2026-11;1;１;10,00;;\n"
    result = imports.commit(world.sessions, "charges", "digits.csv", raw(charges), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {2: "digits.non_ascii", 3: "digits.non_ascii"}
    readings = "meter_serial;value;read_at;ref\n0812345;١٥٢,٥٠٠;2026-11-26 09:30;VK-A\n"
    result = imports.commit(world.sessions, "readings", "digits.csv", raw(readings), actor="operator")
    assert [(r.line, r.key) for r in result.rejected] == [(2, "digits.non_ascii")]


# --- 5. "to pay" that disagrees with the charge and its discount -------------------------------------------------


def test_to_pay_must_be_the_charge_less_its_discount(town):
    world, *_ = town
    text = CHARGES_HEADER + (
        f"{OTHER};heating;2026-11;1,323;1679,08;2222,22;16;2000,00\n"  # 1866,66 expected
        f"{OTHER};hot_water;2026-11;1,000;98,52;2222,22;0;1866,66\n"  # 355,56 off at 0 %
        f"{SEED};heating;2026-11;1,323;1679,08;2222,22;16;1866,66\n"
        f"{SEED};hot_water;2026-11;0,001;98,52;0,01;50;0,01\n"
    )  # 0,005 rounds half up
    result = imports.commit(world.sessions, "charges", "billing.csv", raw(text), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {2: "import.to_pay_mismatch", 3: "import.to_pay_mismatch"}
    assert "має бути 1\u00a0866,66" in result.rejected[0].message("uk")
    assert "2\u00a0222,22" in result.rejected[1].message("uk").split("має бути")[1]
    assert [(row["line"], row["amount_to_pay"]) for row in result.to_add] == [
        (4, Decimal("1866.66")),
        (5, Decimal("0.01")),
    ]
    with world.sessions() as s:
        assert s.scalars(
            select(Charge.discount_amount).where(Charge.month == dt.date(2026, 11, 1)).order_by(Charge.id)
        ).all() == [Decimal("355.56"), Decimal("0.00")]


def test_a_discount_amount_column_must_agree_too(town):
    world, *_ = town
    text = (
        "account_number;service;month;volume;tariff;amount;discount_percent;discount_amount;amount_to_pay\n"
        f"{OTHER};heating;2026-11;1,323;1679,08;2222,22;16;355,56;1866,66\n"
        f"{OTHER};hot_water;2026-11;1,000;98,52;2222,22;16;355,55;1866,66\n"
    )
    result = imports.commit(world.sessions, "charges", "billing.csv", raw(text), actor="operator")
    assert [(r.line, r.key, r.params["expected"]) for r in result.rejected] == [
        (3, "import.discount_amount_mismatch", "355,56")
    ]
    assert [row["line"] for row in result.to_add] == [2]


def test_the_commit_is_audited_with_the_files_total(town):
    world, *_ = town
    done = imports.commit(world.sessions, "bank", "registry.csv", raw(BANK_HEADER + TWO_PAYMENTS), actor="operator")
    with world.sessions() as s:
        details = s.scalar(
            select(AuditLog.details).where(
                AuditLog.action == "import.committed", AuditLog.entity_id == str(done.batch_id)
            )
        )
        batches = s.scalar(select(func.count()).select_from(ImportBatch))
    assert '"file_total": "1587.45"' in details and batches == 1
