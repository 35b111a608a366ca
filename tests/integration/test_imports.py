"""Imports of bank registries, billing charges and water-utility readings, with good and broken files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import import_parsing, imports
from core.errors import DomainError
from db.models import AuditLog, Charge, ImportBatch, Payment, Reading
from tests.conftest import kyiv

ROOT = Path(__file__).resolve().parents[2]
SEED, OTHER = "1120200001000", "1120200002000"


@pytest.fixture
def town(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    seed = world.account(SEED)
    other = world.account(OTHER, address="просп. Волі, 3, кв. 9")
    meter = world.meter(seed, "0812345", initial="100.000")
    world.charge(seed, "heating", dt.date(2026, 10, 1), "1500.00", volume="0.900", tariff="1679.08")
    october = world.window(dt.date(2026, 10, 1))
    world.window(dt.date(2026, 11, 1))
    world.reading(meter, october, "150.000", kyiv(2026, 11, 2, 10), consumption="2.000")
    return world, seed, other


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def utf8(text: str, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + text.replace("\n", "\r\n")).encode("utf-8")


BANK = """account_number;service;amount;paid_at;payment_ref;order_id
1120200001000;heating;1 500,00;2026-11-10 10:15;PB-1;
1120200002000;hot_water;87.45;10.11.2026 11:00;PB-2;ORDER-7
"""


def test_bank_registry_preview_then_commit_then_again_adds_nothing(town):
    world, seed, _other = town
    preview = imports.preview(world.sessions, "bank", "registry.csv", utf8(BANK))
    assert (preview.rows_total, preview.rows_added, preview.duplicates, preview.rejected) == (2, 2, [], [])
    assert count(world.sessions, Payment) == 0 and count(world.sessions, ImportBatch) == 0  # nothing written

    done = imports.commit(world.sessions, "bank", "registry.csv", utf8(BANK), actor="operator")
    assert done.rows_added == 2 and done.batch_id is not None
    with world.sessions() as s:
        rows = s.execute(
            select(
                Payment.account_id,
                Payment.service,
                Payment.amount,
                Payment.paid_at,
                Payment.channel,
                Payment.import_batch_id,
            ).order_by(Payment.external_ref)
        ).all()
        batch = s.get(ImportBatch, done.batch_id)
        logged = s.scalar(select(AuditLog).where(AuditLog.action == "import.committed"))
    assert rows[0] == (seed, "heating", Decimal("1500.00"), kyiv(2026, 11, 10, 10, 15), "bank", done.batch_id)
    assert rows[1][1:3] == ("hot_water", Decimal("87.45"))
    assert (batch.kind, batch.rows_total, batch.rows_added, batch.created_by) == ("bank", 2, 2, "operator")
    assert logged.actor == "operator" and logged.entity_id == str(done.batch_id)

    again = imports.commit(world.sessions, "bank", "registry.csv", utf8(BANK), actor="operator")
    assert again.rows_added == 0 and again.duplicates == [2, 3]
    assert again.imported_before is not None
    assert count(world.sessions, Payment) == 2


def test_bank_registry_rejects_bad_rows_with_line_and_reason_and_keeps_the_good_ones(town):
    world, *_ = town
    text = """account_number;service;amount;paid_at;payment_ref
112020000100;heating;100,00;2026-11-10;R1
1120200009999;heating;100,00;2026-11-10;R2
1120200001000;heating;-100,00;2026-11-10;R3
1120200001000;electricity;100,00;2026-11-10;R4
1120200001000;heating;сто;2026-11-10;R5
1120200001000;heating;100,00;31.02.2026;R6
1120200001000;heating;100,00;2026-12-10;R7
1120200001000;heating;100,00;2026-11-10;R8
1120200001000;heating;100,00;2026-11-10;R8
1120200001000;heating;100,005;2026-11-10;R9
1120200001000;hot_water;100,00
"""
    result = imports.commit(world.sessions, "bank", "broken.csv", utf8(text), actor="operator")
    reasons = {r.line: r.key for r in result.rejected}
    assert reasons == {
        2: "import.account_format",
        3: "import.account_unknown",
        4: "import.amount_positive",
        5: "import.service_unknown",
        6: "import.amount_format",
        7: "import.date_format",
        8: "import.future_date",
        11: "import.too_many_places",
        12: "import.field_count",
    }
    assert result.duplicates == [10]
    assert [row["payment_ref"] for row in result.to_add] == ["R8"]
    assert count(world.sessions, Payment) == 1
    assert "13 цифр" in result.rejected[0].message("uk")
    too_precise = next(r for r in result.rejected if r.line == 11).message("uk")
    assert too_precise == "Значення «100,005» у стовпці amount має забагато знаків після коми."


def test_windows_1251_comma_delimiter_and_decimal_point(town):
    world, *_ = town
    text = 'Особовий рахунок,Послуга,Сума,Дата,Номер платежу\r\n1120200001000,опалення,"1 866,66",2026-11-12,Ощад-1\r\n'
    result = imports.commit(world.sessions, "bank", "oschad.csv", text.encode("cp1251"), actor="operator")
    assert result.encoding == "Windows-1251" and result.delimiter == ","
    assert result.rejected == [] and result.to_add[0]["amount"] == Decimal("1866.66")
    plain = "account_number,service,amount,paid_at,payment_ref\n1120200001000,hot_water,87.45,2026-11-12,P-9\n"
    result = imports.commit(world.sessions, "bank", "plain.csv", utf8(plain, bom=False), actor="operator")
    assert result.encoding == "UTF-8" and result.to_add[0]["amount"] == Decimal("87.45")


@pytest.mark.parametrize(
    "data, key",
    [
        (BANK.encode("utf-16"), "import.encoding"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "import.encoding"),
        (b"", "import.empty"),
        (utf8("account;amount\n1120200001000;1,00\n"), "import.columns"),
        (
            utf8('account_number;service;amount;paid_at;payment_ref\n1120200001000;heating;"1,00;2026-11-10;X\n'),
            "import.malformed",
        ),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(town, data, key):
    world, *_ = town
    with pytest.raises(DomainError) as refused:
        imports.preview(world.sessions, "bank", "bad.csv", data)
    assert refused.value.key == key
    assert count(world.sessions, Payment) == 0


def test_truncated_file_rejects_the_cut_row_only(town):
    world, *_ = town
    cut = utf8(BANK)[:-25]
    result = imports.preview(world.sessions, "bank", "cut.csv", cut)
    assert result.rows_added == 1
    assert [(r.line, r.key) for r in result.rejected] == [(3, "import.truncated")]


CHARGES = """account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay
1120200001000;heating;2026-10;0,900;1679,08;1500,00;0;1500,00
1120200001000;heating;2026-11;1,323;1679,08;2222,22;16;
1120200002000;гаряча вода;11.2026;1,150;98,52;113,30;;
1120200002000;hot_water;2026-11;1,150;98,52;113,30;;
1120200002000;heating;2026-11;1,000;1679,08;-5,00;;
1120200002000;gas;2026-11;1,000;1,00;5,00;;
1120200002000;heating;2026-13;1,000;1,00;5,00;;
"""


def test_charges_import_dedupes_on_account_service_month_and_computes_the_discount(town):
    world, seed, other = town
    result = imports.commit(world.sessions, "charges", "billing.csv", utf8(CHARGES), actor="operator")
    assert result.duplicates == [2, 5]  # October's heating already there; the second hot-water row of the file
    assert result.conflicts == []
    assert {r.line: r.key for r in result.rejected} == {
        6: "import.negative",
        7: "import.service_unknown",
        8: "import.month_format",
    }
    with world.sessions() as s:
        seed_november = s.scalar(select(Charge).where(Charge.account_id == seed, Charge.month == dt.date(2026, 11, 1)))
        other_rows = s.scalars(select(Charge).where(Charge.account_id == other)).all()
    # The seed's example: 2222,22 − 16 % = 1866,66.
    assert (seed_november.discount_amount, seed_november.amount_to_pay) == (Decimal("355.56"), Decimal("1866.66"))
    assert [(c.service, c.amount_to_pay) for c in other_rows] == [("hot_water", Decimal("113.30"))]
    again = imports.commit(world.sessions, "charges", "billing.csv", utf8(CHARGES), actor="operator")
    assert again.rows_added == 0 and count(world.sessions, Charge) == 3


READINGS = """meter_serial;value;read_at;ref;account_number
0812345;152,500;2026-11-26 09:30;VK-1;1120200001000
0812345;151,000;2026-11-26 10:30;VK-2;1120200001000
0812345;149,000;2026-11-26 11:30;VK-3;
0999999;10,000;2026-11-26 11:30;VK-4;
0812345;153,000;2026-11-20 11:30;VK-5;
0812345;153,000;2026-11-26 11:30;VK-6;1120200002000
0812345;153,000;2026-11-26 12:30;;
"""


def test_readings_import_goes_through_the_reading_rules(town):
    world, *_ = town
    preview = imports.preview(world.sessions, "readings", "vodokanal.csv", utf8(READINGS))
    assert count(world.sessions, Reading) == 1
    result = imports.commit(world.sessions, "readings", "vodokanal.csv", utf8(READINGS), actor="operator")
    assert [row["ref"] for row in result.to_add] == [row["ref"] for row in preview.to_add] == ["VK-1", "VK-2"]
    assert {r.line: r.key for r in result.rejected} == {
        4: "import.reading_below_previous",
        5: "import.meter_unknown",
        6: "import.outside_window",
        7: "import.meter_account_mismatch",
        8: "import.ref_missing",
    }
    # The operator is told which row and meter, and what it runs against; not the consumer's "check your meter".
    below = result.rejected[0]
    assert below.message("uk") == (
        "Рядок 4: показання 149,000 лічильника 0812345 менше за попереднє — 150,000 від 02.11.2026. "
        "Лічильник не може йти назад: уточніть показання у водоканалу."
    )
    assert below.message("en").startswith(
        "Line 4: the reading 149.000 of meter 0812345 is below the previous one, 150.000 of 02.11.2026."
    )
    with world.sessions() as s:
        rows = s.execute(
            select(Reading.value, Reading.status, Reading.channel, Reading.source, Reading.external_ref)
            .where(Reading.source == "water_utility")
            .order_by(Reading.id)
        ).all()
    # The second reading of the window replaces the first, as a resubmission does.
    assert rows == [
        (Decimal("152.500"), "superseded", "water_utility", "water_utility", "VK-1"),
        (Decimal("151.000"), "accepted", "water_utility", "water_utility", "VK-2"),
    ]
    again = imports.commit(world.sessions, "readings", "vodokanal.csv", utf8(READINGS), actor="operator")
    assert again.rows_added == 0 and again.duplicates == [2, 3]


@pytest.mark.parametrize(
    "kind, sample",
    [("bank", "bank_registry.csv"), ("charges", "charges.csv"), ("readings", "water_utility_readings.csv")],
)
def test_sample_files_parse(kind, sample):
    table = import_parsing.read_table(kind, (ROOT / "data" / "samples" / sample).read_bytes())
    assert table.rejected == [] and len(table.rows) >= 2


def test_values_too_long_or_too_large_for_their_columns_are_rejected_rows_not_a_crash(town):
    world, *_ = town
    long_ref = "R" * 81
    bank = f"""account_number;service;amount;paid_at;payment_ref;order_id
1120200001000;heating;10000000000,00;2026-11-10;BIG;
1120200001000;heating;100,00;2026-11-10;{long_ref};
1120200001000;heating;100,00;2026-11-10;LONG-ORDER;{"O" * 65}
1120200001000;heating;9999999999,99;2026-11-10;MAX;
"""
    result = imports.commit(world.sessions, "bank", "big.csv", utf8(bank), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {
        2: "import.number_too_large",
        3: "import.too_long",
        4: "import.too_long",
    }
    assert [row["amount"] for row in result.to_add] == [Decimal("9999999999.99")]  # the largest that fits
    assert "завелике" in result.rejected[0].message("uk") and "80" in result.rejected[1].message("en")

    charges = """account_number;service;month;volume;tariff;amount
1120200002000;heating;2026-11;1;1;10000000000,00
"""
    result = imports.commit(world.sessions, "charges", "big.csv", utf8(charges), actor="operator")
    assert [(r.line, r.key, r.params["column"]) for r in result.rejected] == [(2, "import.number_too_large", "amount")]

    readings = f"""meter_serial;value;read_at;ref
0812345;1000000000,000;2026-11-26 09:30;VK-BIG
0812345;152,500;2026-11-26 09:30;{long_ref}
"""
    result = imports.commit(world.sessions, "readings", "big.csv", utf8(readings), actor="operator")
    assert {r.line: r.key for r in result.rejected} == {2: "import.number_too_large", 3: "import.too_long"}
    assert count(world.sessions, Reading) == 1  # only the fixture's own reading
