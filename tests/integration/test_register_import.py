"""The register import: a utility's accounts, meters and tariffs loaded from the sample files, then a later file
that moves an address, changes residents, replaces a meter and closes an account; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import additional_charges, dashboard_readings, imports, register_import, register_parsing
from core.consumers import linked_accounts
from core.errors import DomainError
from core.payments import create_intent
from core.readings import meters_of_account, submit_reading
from core.register import norm_for, tariff_for
from core.statements import statement_for_consumer
from db.models import Account, AuditLog, Charge, ImportBatch, Meter, Payment, Reading, Tariff
from tests.conftest import kyiv, register_consumer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
SEED, NEW, VOLI = "1120200001000", "1120200001017", "1110100000101"

LATER_ACCOUNTS = """account_number;street;building;flat;residents;heating;hot_water;heated_area;status;closed_on
1120200001000;вул. Гулака-Артемовського;22;4;2;1;1;62,40;open;
1120200001017;вул. Гулака-Артемовського;20;17;1;1;1;38,10;closed;2026-11-26
1110100000101;просп. Волі;3;9;2;1;0;71,25;open;
1110300000214;просп. Соборності;14а;;4;1;1;96,00;open;
1111000000377;вул. Львівська;37;5;0;1;1;45,60;closed;2025-06-30
"""
LATER_METERS = """meter_serial;account_number;service;installed_on;initial_value;removed_on
0812345;1120200001000;hot_water;2022-03-15;155,300;2026-11-26
0812399;1120200001000;hot_water;2026-11-26;0,000;
2611017;1120200001017;hot_water;2026-09-01;0,000;
"""


def csv_bytes(text: str) -> bytes:
    return ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")


def count(sessions, model, *where) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def actions(sessions) -> list[tuple[str, str]]:
    with sessions() as s:
        return (
            s.execute(
                select(AuditLog.action, AuditLog.entity_id)
                .where(AuditLog.action.not_like("import.%"), AuditLog.action != "reading.submitted")
                .order_by(AuditLog.id)
            )
            .tuples()
            .all()
        )


def load(sessions, kind: str, name: str) -> object:
    data = (SAMPLES / name).read_bytes()
    if kind in register_parsing.KINDS:
        return register_import.commit(sessions, kind, name, data, actor="operator")
    return imports.commit(sessions, kind, name, data, actor="operator")


@pytest.fixture
def utility(configure, world):
    """An empty database loaded in the README's order from the sample files, the November window open."""
    configure(TEPLO_NOW="2026-11-27T12:00")
    sessions = world.sessions
    world.window(dt.date(2026, 10, 1))
    world.window(dt.date(2026, 11, 1))
    added = {
        name: load(sessions, kind, name).rows_added
        for kind, name in (
            ("accounts", "accounts.csv"),
            ("meters", "meters.csv"),
            ("tariffs", "tariffs.csv"),
            ("charges", "charges.csv"),
            ("bank", "bank_registry.csv"),
            ("readings", "water_utility_readings.csv"),
        )
    }
    assert added == {
        "accounts.csv": 5,
        "meters.csv": 5,
        "tariffs.csv": 2,
        "charges.csv": 3,
        "bank_registry.csv": 3,
        "water_utility_readings.csv": 2,
    }
    return sessions


def test_the_samples_load_a_register_the_ledger_imports_accept(utility):
    sessions = utility
    with sessions() as s:
        seed = s.scalar(select(Account).where(Account.number == SEED))
        assert (
            seed.address,
            seed.residents,
            seed.heated_area,
            seed.has_heating,
            seed.has_hot_water,
            seed.closed_on,
        ) == ("вул. Гулака-Артемовського, 20, кв. 1", 2, Decimal("62.40"), True, True, None)
        house = s.scalar(select(Account).where(Account.number == "1110300000214"))
        assert house.address == "просп. Соборності, 14а" and house.flat is None
        closed = s.scalar(select(Account).where(Account.number == "1111000000377"))
        assert closed.closed_on == dt.date(2025, 6, 30)
        meter = s.scalar(select(Meter).where(Meter.serial == "0812345"))
        assert (meter.account_id, meter.initial_value, meter.installed_on, meter.removed_on) == (
            seed.id,
            Decimal("155.300"),
            dt.date(2022, 3, 15),
            None,
        )
        assert s.scalar(select(func.count()).select_from(Meter).where(Meter.account_id == house.id)) == 2
        assert s.scalar(select(func.count()).select_from(Reading)) == 2
    assert actions(sessions).count(("account.created", SEED)) == 1
    assert len([a for a in actions(sessions) if a[0] == "meter.installed"]) == 5


def test_a_later_file_moves_changes_replaces_and_closes_with_an_audit_row_each(utility):
    sessions = utility
    before = actions(sessions)
    new_id = dict(sessions().execute(select(Account.number, Account.id)).tuples().all())[NEW]
    history = [count(sessions, m, m.account_id == new_id) for m in (Charge, Payment)]
    readings_before = count(sessions, Reading)

    accounts = register_import.preview(sessions, "accounts", "later.csv", csv_bytes(LATER_ACCOUNTS))
    assert (accounts.rows_added, accounts.rows_changed, accounts.unchanged, accounts.rejected) == (0, 3, [5, 6], [])
    changes = {c["key"]: c["fields"] for c in accounts.changes}
    assert changes == {
        SEED: {"building": ("20", "22"), "flat": ("1", "4")},
        NEW: {"closed_on": (None, dt.date(2026, 11, 26))},
        VOLI: {"residents": (3, 2)},
    }
    assert register_import.describe_change(changes[SEED]) == "building: 20 → 22; flat: 1 → 4"
    assert actions(sessions) == before  # the preview wrote nothing

    done = register_import.commit(sessions, "accounts", "later.csv", csv_bytes(LATER_ACCOUNTS), actor="olena")
    meters = register_import.commit(sessions, "meters", "later-meters.csv", csv_bytes(LATER_METERS), actor="olena")
    assert (done.rows_changed, meters.rows_added, meters.rows_changed, meters.unchanged) == (3, 1, 1, [4])
    assert actions(sessions)[len(before) :] == [
        ("account.updated", SEED),
        ("account.closed", NEW),
        ("account.updated", VOLI),
        ("meter.removed", "0812345"),
        ("meter.installed", "0812399"),
    ]
    with sessions() as s:
        seed = s.scalar(select(Account).where(Account.number == SEED))
        assert seed.address == "вул. Гулака-Артемовського, 22, кв. 4"
        assert s.scalar(select(Account.residents).where(Account.number == VOLI)) == 2
        old, new = (s.scalar(select(Meter).where(Meter.serial == serial)) for serial in ("0812345", "0812399"))
        assert old.removed_on == dt.date(2026, 11, 26) and (new.account_id, new.removed_on) == (seed.id, None)
        audit = json.loads(
            s.scalar(select(AuditLog.details).where(AuditLog.action == "account.updated", AuditLog.entity_id == SEED))
        )
        assert audit["changes"] == {"building": ["20", "22"], "flat": ["1", "4"]} and audit["import_batch_id"]
        assert s.get(ImportBatch, done.batch_id).rows_changed == 3
    # Closing keeps the history: the charges, payments and readings are all still there.
    assert [count(sessions, m, m.account_id == new_id) for m in (Charge, Payment)] == history
    assert count(sessions, Reading) == readings_before
    assert count(sessions, Account) == 5

    # The same files again: nothing added, nothing changed, no audit row but the import's own.
    after = actions(sessions)
    again = register_import.commit(sessions, "accounts", "later.csv", csv_bytes(LATER_ACCOUNTS), actor="olena")
    again_meters = register_import.commit(
        sessions, "meters", "later-meters.csv", csv_bytes(LATER_METERS), actor="olena"
    )
    assert (again.rows_added, again.rows_changed, again.unchanged, again.rejected) == (0, 0, [2, 3, 4, 5, 6], [])
    assert (again_meters.rows_added, again_meters.rows_changed, again_meters.unchanged) == (0, 0, [2, 3, 4])
    assert again.imported_before is not None
    assert actions(sessions) == after


def test_a_closed_account_stays_with_its_consumer_but_takes_no_readings_and_no_estimates(configure, utility):
    configure(TEPLO_DEMO="1")  # the payment below goes to the demo provider
    sessions = utility
    login = register_consumer(sessions, "new@example.com", number=NEW, amount="150,00", password="довга-фраза-2020")
    account_id = linked_accounts(sessions, login)[0].account_id
    with sessions() as s:
        november = s.scalar(select(Reading.window_id).limit(1))
        # Its November reading is already in: drop it from the window to see it listed as missing.
        meter_id = s.scalar(select(Meter.id).where(Meter.serial == "2611017"))
    with sessions.begin() as s:
        s.execute(Reading.__table__.update().where(Reading.meter_id == meter_id).values(status="superseded"))

    def listed() -> tuple[bool, bool]:
        _total, missing = dashboard_readings.accounts_without_reading(sessions, november)
        estimated = additional_charges.additional_charge_list(sessions, november)
        return NEW in {m.account_number for m in missing}, NEW in {line.account_number for line in estimated}

    assert listed() == (True, True)
    assert [m.serial for m in meters_of_account(sessions, login, account_id)] == ["2611017"]

    register_import.commit(sessions, "accounts", "later.csv", csv_bytes(LATER_ACCOUNTS), actor="olena")

    assert listed() == (False, False)
    assert meters_of_account(sessions, login, account_id) == []
    with pytest.raises(DomainError) as refused:
        submit_reading(sessions, login, meter_id, "2,000")
    assert refused.value.key == "reading.meter_unknown"
    # Still the consumer's: the account, its charges and its payment are shown as before.
    assert [a.number for a in linked_accounts(sessions, login)] == [NEW]
    shown = statement_for_consumer(sessions, login, account_id)
    assert [c.amount for c in shown.charges] == [Decimal("88.67")]
    assert [p.amount for p in shown.payments] == [Decimal("150.00")]
    assert create_intent(sessions, login, account_id, "hot_water", "10,00").amount == Decimal("10.00")  # a debt is paid


def test_tariffs_and_norms_per_period_fall_back_to_the_settings(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    sessions = world.sessions
    with sessions() as s:
        assert tariff_for(s, "hot_water", dt.date(2026, 10, 1)) == Decimal("98.52")
        assert norm_for(s, "hot_water", dt.date(2026, 10, 1)) == Decimal("1.6")
    october = world.window(dt.date(2026, 10, 1))
    account = world.account("1120200000001", residents=3)
    world.meter(account, serial="T-1")
    [line] = additional_charges.additional_charge_list(sessions, october)
    assert (line.volume, line.tariff, line.amount) == (Decimal("4.800"), Decimal("98.52"), Decimal("472.90"))

    rates = csv_bytes(
        "service;valid_from;tariff;norm\nhot_water;2026-01;100,00;2,0\nhot_water;2026-10;120,50;\n"
        "hot_water;2027-01;130,00;2,5\n"
    )
    result = register_import.commit(sessions, "tariffs", "tariffs.csv", rates, actor="olena")
    assert result.rows_added == 3
    with sessions() as s:
        assert tariff_for(s, "hot_water", dt.date(2025, 12, 1)) == Decimal("98.52")  # before every row: the setting
        assert tariff_for(s, "hot_water", dt.date(2026, 9, 1)) == Decimal("100.00")
        assert tariff_for(s, "hot_water", dt.date(2026, 10, 1)) == Decimal("120.50")
        assert norm_for(s, "hot_water", dt.date(2026, 10, 1)) == Decimal("2.000")  # the norm of January still holds
        assert norm_for(s, "hot_water", dt.date(2027, 3, 1)) == Decimal("2.500")
        assert tariff_for(s, "heating", dt.date(2026, 10, 1)) is None  # no setting for heating
    [line] = additional_charges.additional_charge_list(sessions, october)
    assert (line.volume, line.tariff, line.amount) == (Decimal("6.000"), Decimal("120.50"), Decimal("723.00"))

    changed = register_import.commit(
        sessions,
        "tariffs",
        "fix.csv",
        csv_bytes("service;valid_from;tariff;norm\nhot_water;2026-10;121,00;\nhot_water;2027-01;130;2,500\n"),
        actor="olena",
    )
    assert (changed.rows_changed, changed.unchanged) == (1, [3])
    assert changed.changes[0]["fields"] == {"tariff": (Decimal("120.5000"), Decimal("121.0000"))}
    assert ("tariff.changed", "hot_water:2026-10") in actions(sessions)
    assert count(sessions, Tariff) == 3


def rejected(result) -> list[tuple[int, str]]:
    return [(r.line, r.message("en")) for r in result.rejected]


def test_bad_rows_are_rejected_with_their_line_and_reason_and_good_rows_still_load(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    sessions = world.sessions
    accounts = csv_bytes(
        "account_number;street;building;flat;residents;heating;hot_water;heated_area;status;closed_on\n"
        "1120200001000;вул. Гулака-Артемовського;20;1;2;1;1;62,40;;\n"
        "11202000010;вул. Гулака-Артемовського;20;2;2;1;1;62,40;;\n"
        "1120200001003;;20;3;2;1;1;62,40;;\n"
        "1120200001004;вул. Гулака-Артемовського;20;4;два;1;1;62,40;;\n"
        "1120200001005;вул. Гулака-Артемовського;20;5;2;maybe;1;62,40;;\n"
        "1120200001006;вул. Гулака-Артемовського;20;6;2;1;1;-5;;\n"
        "1120200001007;вул. Гулака-Артемовського;20;7;2;1;1;62,40;open;2026-01-01\n"
        "1120200001008;вул. Гулака-Артемовського;20;8;2;1;1;62,40;closed;2027-01-01\n"
        "1120200001000;вул. Гулака-Артемовського;21;1;2;1;1;62,40;;\n"
        "1120200001010;вул. Гулака-Артемовського;20;10;2;1;1;62,40;\n"
        "1120200001011;вул. Гулака-Артемовського;20;11;2;1;1;62,40;;\n"
    )
    result = register_import.commit(sessions, "accounts", "accounts.csv", accounts, actor="olena")
    assert rejected(result) == [
        (3, "Account number “11202000010” is not 13 digits."),
        (4, "Column street is empty."),
        (5, "Residents “два” is not a whole number from 0 to 999."),
        (6, "Column heating holds “maybe”: 1 or 0 (yes/no) expected."),
        (7, "Negative value -5 in column heated_area."),
        (8, "The account is marked open but has a closing date 2026-01-01."),
        (9, "Date 2027-01-01 is in the future."),
        (10, "1120200001000 is already in line 2 of this file with different data."),
        (11, "Expected 10 fields, found 9: check the delimiters and quotes on this line."),
    ]
    assert [row["account_number"] for row in result.to_add] == ["1120200001000", "1120200001011"]
    assert count(sessions, Account) == 2

    meters = csv_bytes(
        "meter_serial;account_number;service;installed_on;initial_value;removed_on\n"
        "M-1;1120200001000;hot_water;2020-01-10;5,5;\n"
        "M-2;1120200009999;hot_water;2020-01-10;0;\n"
        "M-3;1120200001000;gas;2020-01-10;0;\n"
        "M-4;1120200001000;hot_water;31.02.2020;0;\n"
        "M-5;1120200001000;hot_water;2020-01-10;1,2345;\n"
        "M-6;1120200001000;hot_water;2020-01-10;0;2019-12-31\n"
        ";1120200001000;hot_water;2020-01-10;0;\n"
        "M-8;1120200001000;hot_water;1899-01-10;0;\n"
    )
    result = register_import.commit(sessions, "meters", "meters.csv", meters, actor="olena")
    assert rejected(result) == [
        (3, "Account 1120200009999 not found."),
        (4, "Unknown service “gas” (heating or hot_water expected)."),
        (5, "Date “31.02.2020” in column installed_on not recognised (YYYY-MM-DD or DD.MM.YYYY)."),
        (6, "Value “1,2345” in column initial_value is not a number."),
        (7, "Removal date 2019-12-31 is before the installation date."),
        (8, "Column meter_serial is empty."),
        (9, "Date “1899-01-10” in column installed_on is before 1990."),
    ]
    assert result.rows_added == 1
    # A meter cannot move to another account or change its service, and a reading fixes its installation.
    world.reading(session_meter_id(sessions, "M-1"), world.window(dt.date(2026, 10, 1)), "7.0", kyiv(2026, 10, 28, 9))
    moved = csv_bytes(
        "meter_serial;account_number;service;installed_on;initial_value;removed_on\n"
        "M-1;1120200001011;hot_water;2020-01-10;5,5;\n"
        "M-1;1120200001000;heating;2020-01-10;5,5;\n"
        "M-1;1120200001000;hot_water;2020-01-11;5,5;\n"
        "M-1;1120200001000;hot_water;2020-01-10;5,5;2026-10-01\n"
    )
    assert rejected(register_import.preview(sessions, "meters", "moved.csv", moved)) == [
        (2, "Meter M-1 belongs to account 1120200001000; a meter does not move between accounts."),
        (3, "M-1 is already in line 2 of this file with different data."),
        (4, "M-1 is already in line 2 of this file with different data."),
        (5, "M-1 is already in line 2 of this file with different data."),
    ]
    for line in moved.decode("utf-8-sig").splitlines()[2:]:
        single = csv_bytes("meter_serial;account_number;service;installed_on;initial_value;removed_on\n" + line + "\n")
        [reason] = register_import.preview(sessions, "meters", "one.csv", single).rejected
        assert reason.key in {
            "register.meter_service",
            "register.meter_installation_fixed",
            "register.meter_read_after_removal",
        }, line

    tariffs = csv_bytes(
        "service;valid_from;tariff;norm\nhot_water;2026-13;1;\nhot_water;2026-01;;\n"
        "heating;2026-01;1500;1,6\nhot_water;2026-02;0;\nhot_water;2026-03;абв;\n"
    )
    assert rejected(register_import.preview(sessions, "tariffs", "tariffs.csv", tariffs)) == [
        (2, "Month “2026-13” not recognised (YYYY-MM)."),
        (3, "Give a tariff, a norm or both."),
        (4, "A norm per resident exists for hot water only."),
        (5, "Tariff 0 must be above zero."),
        (6, "Value “абв” in column tariff is not a number."),
    ]


def session_meter_id(sessions, serial: str) -> int:
    with sessions() as s:
        return s.scalar(select(Meter.id).where(Meter.serial == serial))


def test_a_last_row_without_a_line_break_is_a_truncation_suspect(configure, world):
    configure(TEPLO_NOW="2026-11-27T12:00")
    cut = (
        "\ufeffaccount_number;street;building;flat;residents;heating;hot_water;heated_area\r\n"
        "1120200001000;вул. Гулака-Артемовського;20;1;2;1;1;62,40\r\n"
        "1120200001017;вул. Гулака-Артемовського;2"
    ).encode("utf-8")
    result = register_import.preview(world.sessions, "accounts", "cut.csv", cut)
    assert [r.line for r in result.rejected] == [3] and result.rows_added == 1
    whole = cut + b";17;1;1;1;38,10"
    result = register_import.preview(world.sessions, "accounts", "whole-but-unterminated.csv", whole)
    assert [(r.line, r.key) for r in result.rejected] == [(3, "register.unterminated")]
    assert "line break" in result.rejected[0].message("en")


@pytest.mark.parametrize(
    "data, key",
    [
        (b"", "import.empty"),
        (b"\x00\x01\x02binary", "import.encoding"),
        ("номер;вулиця\n1;2\n".encode(), "import.columns"),
        (
            b'account_number;street;building;flat;residents;heating;hot_water;heated_area\n"1120200001000;x\n',
            "import.malformed",
        ),
    ],
)
def test_a_bad_file_is_refused_as_a_whole_with_a_message(world, data, key):
    for kind in ("accounts",):
        with pytest.raises(DomainError) as refused:
            register_import.preview(world.sessions, kind, "bad.csv", data)
        assert refused.value.key == key and refused.value.message("uk")
    assert count(world.sessions, ImportBatch) == 0
