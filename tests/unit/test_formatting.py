import datetime as dt
from decimal import Decimal

from core import formatting


def test_money_the_ukrainian_way():
    assert formatting.money(Decimal("1866.66")) == "1\u00a0866,66\u00a0₴"
    assert formatting.money(Decimal("-142.03")) == "-142,03\u00a0₴"


def test_money_in_english_keeps_the_hryvnia_sign():
    assert formatting.money(Decimal("1866.66"), "en") == "1,866.66\u00a0₴"
    assert formatting.volume(Decimal("1234.5"), "en") == "1,234.500\u00a0m³"


def test_dates_volumes_percent():
    assert formatting.date(dt.date(2020, 3, 3)) == "03.03.2020"
    assert formatting.month(dt.date(2020, 1, 1)) == "січень 2020"
    assert formatting.volume(Decimal("1.5")) == "1,500\u00a0м³"
    assert formatting.percent(Decimal("16.00")) == "16\u00a0%"
