"""Amounts on the staff metric tiles: short enough to fit a quarter of a 1440 px dashboard, never misleading."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ui.staff_view import delta, money_short, shortened

NBSP = "\u00a0"


def test_below_a_million_in_full_above_in_millions_or_billions():
    assert money_short(Decimal("633584.83")) == f"633{NBSP}584,83{NBSP}₴"
    assert money_short(Decimal("663388902.47")) == f"663,39{NBSP}млн{NBSP}₴"
    assert money_short(Decimal("120000633584.83")) == f"120,00{NBSP}млрд{NBSP}₴"
    assert money_short(Decimal("-2500000")) == f"-2,50{NBSP}млн{NBSP}₴"
    assert money_short(Decimal("999999999.99")) == f"1,00{NBSP}млрд{NBSP}₴"  # not "1 000,00 млн"
    assert money_short(Decimal("999999.99")) == f"999{NBSP}999,99{NBSP}₴"
    assert money_short(None) == "—"
    assert not shortened(Decimal("999999.99")) and shortened(Decimal("1000000.00"))


def test_a_change_of_millions_is_as_short_as_the_value():
    assert delta(Decimal("663388902.47"), Decimal("660000000.00"), " ₴", places=0) == f"+3,39{NBSP}млн{NBSP}₴"
    assert delta(Decimal("900"), Decimal("100"), " ₴", places=0) == f"+800{NBSP}₴"


@given(st.decimals(min_value=Decimal("-999994999999.99"), max_value=Decimal("999994999999.99"), places=2))
def test_short_amounts_fit_a_tile_and_stay_within_half_a_unit_of_the_last_digit(value):
    text = money_short(value)
    assert len(text) <= 14  # "-999,99 млрд ₴" at most below a trillion; the cut «663 388 902,…» was 17
    number = Decimal(
        text.split(NBSP + "млн")[0].split(NBSP + "млрд")[0].replace(NBSP, "").replace("₴", "").replace(",", ".")
    )
    scale = Decimal(10) ** 9 if "млрд" in text else Decimal(10) ** 6 if "млн" in text else Decimal(1)
    assert abs(number * scale - value) <= scale / 200  # rounded half up to two decimals of the unit
