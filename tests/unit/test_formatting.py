import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

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


amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False)


@given(amounts, st.sampled_from(["uk", "en"]), st.integers(min_value=0, max_value=3))
def test_parsed_once_formats_as_babel_does_from_names(value, lang, places):
    """The locales and number patterns are parsed once and reused: every figure reads exactly as Babel writes it
    from the locale's and the pattern's names."""
    locale = {"uk": "uk_UA", "en": "en_GB"}[lang]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    rounded = formatting.half_up(value, places)
    assert formatting.number(value, lang, places) == format_decimal(rounded, format=pattern, locale=locale)
    cents = formatting.half_up(value, 2)
    expected_money = (
        format_currency(cents, "UAH", locale="uk_UA")
        if lang == "uk"
        else format_decimal(cents, format="#,##0.00", locale=locale) + "\u00a0₴"
    )
    assert formatting.money(value, lang) == expected_money
    assert formatting.percent(value, lang) == format_decimal(cents, format="#,##0.##", locale=locale) + "\u00a0%"
    litres = format_decimal(formatting.half_up(value, 3), format="#,##0.000", locale=locale)
    assert formatting.volume(value, lang).startswith(litres + "\u00a0")
