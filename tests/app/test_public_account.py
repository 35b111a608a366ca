"""My account: balances per service, the latest charge with its discount, history, the chart."""

import datetime as dt

import pytest
from sqlalchemy import select

from core.consumer_history import monthly_totals
from db.models import Account
from tests.app.public_support import build, logged_in_app, registered, shown
from tests.conftest import kyiv

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def at(app_world):
    build(app_world)
    registered(app_world)
    return logged_in_app(app_world)


def test_balances_latest_charge_and_last_payment_per_service(at):
    # Heating: charged 1866,66 + 1500,00, paid 1500,00 + 1866,66; hot water: charged 412,37 + 300,00, paid 412,37.
    assert [(m.label, m.value) for m in at.metric] == [("Заборгованості немає", "0,00\u00a0₴"), ("Борг", "300,00\u00a0₴")]
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
    charges = at.dataframe[0].value
    assert list(charges.columns) == ["Місяць", "Послуга", "До сплати"]  # no discount in 2026: no column
    assert list(charges["Місяць"]) == ["жовтень 2026", "жовтень 2026"]
    at.selectbox(key="charges_year").set_value(2020).run()
    charges = at.dataframe[0].value
    assert "Знижка" in charges.columns
    assert set(charges["Знижка"]) == {"16\u00a0%", ""}
    payments = at.dataframe[1].value
    assert list(payments["Дата"]) == ["13.02.2020", "12.02.2020", "10.01.2020"]
    assert "1\u00a0866,66\u00a0₴" in list(payments["Сума"])


def test_overpayment_is_shown_as_such(app_world):
    cabinet = build(app_world)
    app_world.payment(cabinet.seed, "hot_water", "500.00", kyiv(2026, 11, 20))
    registered(app_world)
    at = logged_in_app(app_world)
    assert ("Переплата", "200,00\u00a0₴") in [(m.label, m.value) for m in at.metric]


def test_chart_of_monthly_charges_and_payments(at):
    chart = at.get("plotly_chart")
    assert chart, "the chart is shown"
    assert "Нараховано і сплачено по місяцях" in shown(at)


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
    assert ("Заборгованості немає", "0,00\u00a0₴") == (at.metric[1].label, at.metric[1].value)
    assert "Останній платіж: 300,00\u00a0₴, 27.11.2026" in shown(at)
