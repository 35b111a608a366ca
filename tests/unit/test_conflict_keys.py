"""A charge conflict's key read back into its account, service and month, so staff see it in words."""

from __future__ import annotations

import datetime as dt

import pytest

from core.import_conflicts import charge_key, charge_key_parts


def test_a_charge_key_reads_back_into_account_service_and_month():
    key = charge_key("1120200001000", "hot_water", dt.date(2026, 11, 1))
    assert charge_key_parts(key) == ("1120200001000", "hot_water", dt.date(2026, 11, 1))


@pytest.mark.parametrize(
    "key", ["PB-2", "", "1120200001000/hot_water", "1120200001000/hot_water/2026-13", "a/b/2026-11/x"]
)
def test_a_key_of_another_shape_is_none_not_a_traceback(key):
    assert charge_key_parts(key) is None
