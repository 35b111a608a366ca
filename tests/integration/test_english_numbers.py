"""An English consumer types numbers the English way and reads English numbers in the messages (issue 10, item 17)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import readings
from core.errors import DomainError
from tests.integration.test_readings import IN_WINDOW, consumer  # noqa: F401 - the fixture


def test_a_reading_message_in_english_carries_english_numbers(consumer, sessions):
    login_id, meter_id, _ = consumer
    with pytest.raises(DomainError) as err:
        readings.submit_reading(sessions, login_id, meter_id, "108.999", now=IN_WINDOW, language="en")
    assert err.value.key == "reading.below_previous"
    assert "108.999" in err.value.message("en") and "109.000" in err.value.message("en")
    assert "108,999" in err.value.message("uk")


def test_an_english_reading_typed_with_a_thousands_comma_is_read_as_shown(consumer, sessions):
    login_id, meter_id, _ = consumer
    receipt = readings.submit_reading(
        sessions, login_id, meter_id, "1,109.250 m³", now=IN_WINDOW, language="en", confirm_jump=True
    )
    assert receipt.value == Decimal("1109.250")
