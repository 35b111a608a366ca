"""My account: balances per service, the latest charge with its discount, history, the chart."""

import datetime as dt

import pytest
from sqlalchemy import select

from core.consumer_history import monthly_totals
from db.models import Account
from tests.app.public_support import build, html_tables, logged_in_app, registered, shown
from tests.conftest import kyiv


@pytest.fixture
def at(app_world):
    build(app_world)
    registered(app_world)
    return logged_in_app(app_world)


def test_balances_latest_charge_and_last_payment_per_service(at):
    # Heating: charged 1866,66 + 1500,00, paid 1500,00 + 1866,66; hot water: charged 412,37 + 300,00, paid 412,37.
    assert [(m.label, m.value) for m in at.metric] == [
        ("Заборгованості немає", "0,00\u00a0₴"),
        ("Борг", "300,00\u00a0₴"),
    ]
    text = shown(at)
    assert "Опалення" in text and "Гаряча вода" in text
    assert "Нараховано за жовтень 2026" in text
    assert "Останній платіж: 1\u00a0866,66\u00a0₴, 12.02.2020" in text
    assert "вул. Гулака-Артемовського, 20, кв. 1" in text


def test_discount_line_only_where_the_charge_has_one(app_world):
    cabinet = build(app_world)
    app_world.charge(cabinet.seed, "heating", dt.date(2026, 11, 1), "2222.22", discount="16")
    registered(app_world)
    at = logged_in_app(app_world)
    text = shown(at)
    assert "2\u00a0222,22\u00a0₴ − знижка 16\u00a0% = **1\u00a0866,66\u00a0₴**" in text
    assert text.count("знижка") == 1  # hot water's October charge has none


def test_history_of_charges_by_year_and_of_payments(at):
    [charges, payments] = html_tables(at)
    assert charges["caption"] == "Нарахування за 2026 рік"
    assert charges["headers"] == ["Місяць", "Послуга", "До сплати"] and set(charges["scopes"]) == {"col"}
    assert charges["rows"] == [
        ["жовтень 2026", "Опалення", "1\u00a0500,00\u00a0₴"],
        ["жовтень 2026", "Гаряча вода", "300,00\u00a0₴"],
    ]
    at.selectbox(key="charges_year").set_value(2020).run()
    at.selectbox(key="payments_year").set_value(2020).run()
    charges, payments = html_tables(at)
    # The charge before the discount and the discount stay, on a second line under the amount to pay.
    assert [
        "січень 2020",
        "Опалення",
        "1\u00a0866,66\u00a0₴ / нараховано 2\u00a0222,22\u00a0₴, знижка 16\u00a0%",
    ] in charges["rows"]
    assert ["січень 2020", "Гаряча вода", "412,37\u00a0₴"] in charges["rows"]
    assert payments["caption"] == "Платежі за 2020 рік" and payments["headers"] == ["Дата", "Послуга", "Сума, спосіб"]
    assert [row[0] for row in payments["rows"]] == ["13.02.2020", "12.02.2020", "10.01.2020"]
    assert ["12.02.2020", "Опалення", "1\u00a0866,66\u00a0₴ / Банк"] in payments["rows"]
    assert not at.dataframe  # no grid with its English toolbar and sideways scrolling


def test_history_values_are_escaped_not_read_as_html():
    from ui.tables import Cell, table_html

    page = table_html("<b>x</b>", ["<i>h</i>"], [[Cell("<img src=x onerror=alert(1)>", "a & <b>")]])
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>" not in page and "a &amp; &lt;b&gt;" in page and "&lt;i&gt;h&lt;/i&gt;" in page


def test_overpayment_is_shown_as_such(app_world):
    cabinet = build(app_world)
    app_world.payment(cabinet.seed, "hot_water", "500.00", kyiv(2026, 11, 20))
    registered(app_world)
    at = logged_in_app(app_world)
    assert ("Переплата", "200,00\u00a0₴") in [(m.label, m.value) for m in at.metric]


def chart(at) -> str:
    [html] = [h.proto.body for h in at.get("html") if "teplo-chart" in h.proto.body]
    return html


def test_chart_of_monthly_charges_and_payments(at):
    assert "Нараховано і сплачено по місяцях" in shown(at)
    # The last two years: only October 2026 has charges (heating 1500,00 and hot water 300,00), nothing was paid.
    assert 'aria-label="Нараховано і сплачено по місяцях: жовтень 2026 — жовтень 2026"' in chart(at)
    assert 'title="жовтень 2026: Нараховано 1\u00a0800,00\u00a0₴; Сплачено 0,00\u00a0₴"' in chart(at)
    at.segmented_control[1].set_value("all").run()
    every_month = chart(at)  # January 2020 to October 2026, the months with nothing at zero
    assert every_month.count("<div title=") == 6 * 12 + 10
    assert 'title="лютий 2020: Нараховано 0,00\u00a0₴; Сплачено 2\u00a0279,03\u00a0₴"' in every_month


def test_monthly_totals_are_grouped_in_sql_by_kyiv_month(app_world, app_sessions):
    cabinet = build(app_world)
    # 00:30 Kyiv on 1 March is 22:30 UTC on 29 February, 01:30 on 1 July is 22:30 UTC on 30 June:
    # the Kyiv month counts.
    app_world.payment(cabinet.seed, "hot_water", "10.00", kyiv(2020, 3, 1, 0, 30))
    app_world.payment(cabinet.seed, "hot_water", "5.00", kyiv(2020, 7, 1, 1, 30))
    with app_sessions() as session:
        totals = {t.month: t for t in monthly_totals(session, cabinet.seed)}
    assert str(totals[dt.date(2020, 1, 1)].charged) == "2279.03"
    assert str(totals[dt.date(2020, 1, 1)].paid) == "1500.00"
    assert str(totals[dt.date(2020, 2, 1)].paid) == "2279.03"
    assert str(totals[dt.date(2020, 3, 1)].paid) == "10.00"
    assert str(totals[dt.date(2020, 7, 1)].paid) == "5.00"
    assert dt.date(2020, 6, 1) not in totals


def test_a_credited_payment_shows_at_once(at, app_world):
    assert ("Борг", "300,00\u00a0₴") in [(m.label, m.value) for m in at.metric]
    with app_world.sessions() as s:
        seed = s.scalar(select(Account.id).where(Account.number == "1120200001000"))
    app_world.payment(seed, "hot_water", "300.00", kyiv(2026, 11, 27, 11))
    at.run()
    assert (at.metric[1].label, at.metric[1].value) == ("Заборгованості немає", "0,00\u00a0₴")
    assert "Останній платіж: 300,00\u00a0₴, 27.11.2026" in shown(at)


def test_a_corrected_charge_shows_the_corrected_debt_and_keeps_the_original_visible(app_world):
    """October's hot water was imported as 30,00 (a cut file); staff resolved the conflict with the billing's 300,00."""
    from core import conflict_resolution, imports

    cabinet = build(app_world)
    header = "account_number;service;month;volume;tariff;amount;discount_percent;amount_to_pay\r\n"
    row = "1120200001000;hot_water;2026-10;1,000;1,00;{0};0;{0}\r\n"
    with app_world.sessions.begin() as s:  # replace the fixture's row by the cut value an older import stored
        from sqlalchemy import delete

        from db.models import Charge

        s.execute(
            delete(Charge).where(
                Charge.account_id == cabinet.seed, Charge.service == "hot_water", Charge.month == dt.date(2026, 10, 1)
            )
        )
    imports.commit(app_world.sessions, "charges", "cut.csv", (header + row.format("30,00")).encode(), actor="operator")
    [conflict] = imports.commit(
        app_world.sessions, "charges", "whole.csv", (header + row.format("300,00")).encode(), actor="operator"
    ).conflicts
    conflict_resolution.resolve(app_world.sessions, conflict.id, actor="operator")
    registered(app_world)
    at = logged_in_app(app_world)
    assert ("Борг", "300,00\u00a0₴") in [(m.label, m.value) for m in at.metric]
    charges = html_tables(at)[0]["rows"]
    assert [(service, to_pay) for _month, service, to_pay in charges if service.startswith("Гаряча вода")] == [
        ("Гаряча вода / виправлений запис", "300,00\u00a0₴"),
        ("Гаряча вода / сторно (скасування)", "-30,00\u00a0₴"),
        ("Гаряча вода / виправлено нижче", "30,00\u00a0₴"),
    ]


def test_a_reversed_payment_shows_as_a_reversing_line_and_the_debt_returns(app_world, app_sessions):
    from db.models import Payment

    cabinet = build(app_world)
    app_world.payment(cabinet.seed, "hot_water", "300.00", kyiv(2026, 11, 20), channel="cabinet", ref="TC-1")
    with app_sessions.begin() as s:
        original = s.scalar(select(Payment).where(Payment.external_ref == "TC-1"))
        s.add(
            Payment(
                account_id=cabinet.seed,
                service="hot_water",
                amount=-original.amount,
                paid_at=kyiv(2026, 11, 22),
                channel="cabinet",
                source=original.source,
                external_ref="TC-1/reversal",
                reverses_id=original.id,
            )
        )
    registered(app_world)
    at = logged_in_app(app_world)
    assert ("Борг", "300,00\u00a0₴") in [(m.label, m.value) for m in at.metric]
    payments = html_tables(at)[1]["rows"]
    assert [amount for _date, _service, amount in payments[:2]] == [
        "-300,00\u00a0₴ / Повернення коштів (сторно)",
        "300,00\u00a0₴ / Кабінет",
    ]
    # A payment taken back is no "last payment" (as for registration: core.consumers.last_day_payments).
    assert "Останній платіж: 300,00" not in shown(at)


def test_a_recalculation_credit_is_shown_on_the_account(app_world):
    from decimal import Decimal

    from db.models import Reading, Recalculation

    cabinet = build(app_world)
    with app_world.sessions.begin() as s:
        reading_id = s.scalar(select(Reading.id).where(Reading.meter_id == cabinet.seed_meter))
        s.add(
            Recalculation(
                window_id=cabinet.november,
                account_id=cabinet.seed,
                meter_id=cabinet.seed_meter,
                reading_id=reading_id,
                kind="recalculation",
                quality="actual",
                estimated_volume=Decimal("6.400"),
                actual_volume=Decimal("1.000"),
                volume=Decimal("-5.400"),
                tariff=Decimal("100"),
                amount=Decimal("-540.00"),
                created_at=kyiv(2026, 11, 4, 9),
            )
        )
    registered(app_world)
    at = logged_in_app(app_world)
    text = shown(at)
    assert "Перерахунок гарячої води" in text
    assert (
        "Показання за жовтень 2026: донараховано раніше 6,400\u00a0м³, фактично спожито 1,000\u00a0м³ — "
        "повернуто 5,400\u00a0м³ (540,00\u00a0₴)."
    ) in text
