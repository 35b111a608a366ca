import datetime as dt

from core import clock
from core.clock import KYIV
from core.windows import WindowInfo, default_bounds


def test_default_window_is_25th_to_end_of_3rd_kyiv_time():
    opens, closes = default_bounds(dt.date(2020, 2, 1))
    assert opens == dt.datetime(2020, 2, 25, tzinfo=KYIV)
    assert closes == dt.datetime(2020, 3, 4, tzinfo=KYIV)
    window = WindowInfo(1, dt.date(2020, 2, 1), opens, closes, None)
    assert window.last_day == dt.date(2020, 3, 3)
    assert window.is_open(dt.datetime(2020, 3, 3, 23, 59, tzinfo=KYIV))
    assert not window.is_open(dt.datetime(2020, 3, 4, 0, 0, tzinfo=KYIV))
    assert not window.is_open(dt.datetime(2020, 2, 24, 23, 59, tzinfo=KYIV))


def test_window_across_dst_change_keeps_kyiv_midnight():
    # Summer time starts on the last Sunday of March: the March window closes at local midnight on 4 April.
    _opens, closes = default_bounds(dt.date(2026, 3, 1))
    assert closes.utcoffset() == dt.timedelta(hours=3)
    assert closes.astimezone(dt.UTC).hour == 21


def test_pinned_clock(configure):
    configure(TEPLO_NOW="2020-03-02")
    assert clock.now() == dt.datetime(2020, 3, 2, 12, 0, tzinfo=KYIV)
    configure(TEPLO_NOW="2020-03-03T23:30")
    assert clock.now().hour == 23 and clock.now().tzinfo is not None
    configure(TEPLO_NOW=None)
    assert clock.now().tzinfo is not None


def test_month_arithmetic():
    assert clock.add_months(dt.date(2019, 12, 15), 1) == dt.date(2020, 1, 1)
    assert clock.add_months(dt.date(2020, 1, 1), -13) == dt.date(2018, 12, 1)
    assert clock.days_in_month(dt.date(2020, 2, 1)) == 29
