"""Meter readings: the window, the last reading, submission, the confirmations, the receipt."""

import pytest
from sqlalchemy import select

from db.models import Reading
from tests.app.public_support import PASSWORD, build, click, errors, fill, logged_in_app, registered, shown
from tests.conftest import kyiv, register_consumer


@pytest.fixture
def cabinet(app_world):
    cabinet = build(app_world)
    registered(app_world)
    return cabinet


def readings_screen(world):
    at = logged_in_app(world)
    return at.switch_page("pages/public/readings.py").run()


def send(at, value):
    fill(at, **{"Нове показання, м³": value})
    return click(at, "Надіслати показання")


def stored(sessions, meter_id):
    with sessions() as s:
        return s.execute(
            select(Reading.value, Reading.status, Reading.flagged)
            .where(Reading.meter_id == meter_id)
            .order_by(Reading.id)
        ).all()


def test_window_dates_countdown_advice_and_last_reading(cabinet):
    at = readings_screen(cabinet.world)
    text = shown(at)
    assert "Показання приймаються: **25.11.2026 — 03.12.2026** (за листопад 2026)" in text
    assert "До закриття: 6 дн. 12 год." in text  # 27 Nov 12:00 -> 4 Dec 00:00
    assert "останні дні періоду (01.12.2026 — 03.12.2026)" in text
    assert "Лічильник № 0812345" in text
    assert "Останнє прийняте показання: **150,000\u00a0м³** (02.11.2026)" in text
    assert "Якщо показання не надійде до 03.12.2026, буде донараховано орієнтовно" in text


def test_reading_with_decimal_comma_gets_a_receipt_with_the_consumption(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "152,5")
    assert not errors(at)
    text = shown(at)
    assert "Показання прийнято. Квитанція № **202611-" in text
    assert "Споживання: **2,500\u00a0м³**" in text
    assert stored(app_sessions, cabinet.seed_meter)[-1] == (pytest.approx(152.5), "accepted", False)


def test_an_accepted_reading_shows_its_receipt_without_the_form_and_its_tip(cabinet, app_sessions):
    """The field's tip (how to read the meter) and the send button stayed under the receipt, as if the reading were
    still to be sent. The form comes back only when the consumer chooses to send another reading instead."""
    at = send(readings_screen(cabinet.world), "151,000")
    assert "Показання прийнято. Квитанція №" in shown(at)
    assert not at.text_input, [(t.label, t.help) for t in at.text_input]
    assert "Надіслати показання" not in [b.label for b in at.button]
    assert "вже подали" not in shown(at)  # the receipt says it
    assert "останні дні періоду" not in shown(at)  # the advice on when to send it: sent
    at = click(at, "Подати інше показання замість цього")
    assert "останні дні періоду (01.12.2026 — 03.12.2026)" in shown(at)
    [box] = at.text_input
    assert box.label == "Нове показання, м³" and "Цифри з лічильника" in box.help  # the tip is back with its field
    assert "У цьому періоді ви вже подали 151,000\u00a0м³. Нове показання замінить його." in shown(at)
    at = click(send(at, "152,000"), "Так, підтверджую")
    assert "Попереднє показання 151,000\u00a0м³ у цьому періоді замінено." in shown(at)
    assert not at.text_input and "Подати інше показання замість цього" in [b.label for b in at.button]
    assert [float(v) for v, s, _f in stored(app_sessions, cabinet.seed_meter)[1:]] == [151.0, 152.0]


def test_reading_below_the_previous_is_refused(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "149,999")
    assert "менше за попереднє" in errors(at)[0]
    assert len(stored(app_sessions, cabinet.seed_meter)) == 1


@pytest.mark.parametrize(
    ("value", "message"), [("", "Введіть показання"), ("12a", "через кому"), ("151,1234", "трьох знаків")]
)
def test_bad_input_is_explained(cabinet, value, message):
    at = send(readings_screen(cabinet.world), value)
    assert message in errors(at)[0]


def test_an_implausible_jump_asks_for_confirmation_then_is_stored_flagged(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "190,000")
    assert "значно більше за звичайне" in at.warning[0].value
    assert len(stored(app_sessions, cabinet.seed_meter)) == 1  # nothing stored before the confirmation
    at = click(at, "Так, підтверджую")
    assert "Показання прийнято" in shown(at)
    assert "на перевірку" in shown(at)
    assert stored(app_sessions, cabinet.seed_meter)[-1] == (pytest.approx(190), "accepted", True)


def test_a_cancelled_jump_stores_nothing(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "190,000")
    at = click(at, "Скасувати")
    assert not at.warning
    assert len(stored(app_sessions, cabinet.seed_meter)) == 1


def test_a_resubmission_in_the_same_window_replaces_the_earlier_after_confirmation(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "151,000")
    assert "Показання прийнято" in shown(at)
    at = send(click(at, "Подати інше показання замість цього"), "152,000")
    # One sentence, both values with their unit, said once (not again in a caption above the question).
    assert [w.value for w in at.warning] == [
        "Замінити показання 151,000\u00a0м³, уже подане в цьому періоді, на 152,000\u00a0м³?"
    ]
    assert "вже подали" not in shown(at)
    at = click(at, "Так, підтверджую")
    assert "Попереднє показання 151,000\u00a0м³ у цьому періоді замінено." in shown(at)
    assert [(float(v), s) for v, s, _f in stored(app_sessions, cabinet.seed_meter)[1:]] == [
        (151.0, "superseded"),
        (152.0, "accepted"),
    ]


def test_a_resubmission_that_is_also_a_jump_is_one_question_and_one_confirmation(cabinet, app_sessions):
    at = send(readings_screen(cabinet.world), "151,000")
    at = send(click(at, "Подати інше показання замість цього"), "190,000")
    [question] = [w.value for w in at.warning]
    assert question.startswith("Замінити показання 151,000\u00a0м³, уже подане в цьому періоді, на 190,000\u00a0м³?")
    assert "споживання 40,000\u00a0м³ — значно більше за звичайне" in question
    at = click(at, "Так, підтверджую")  # the only confirmation: the reading is stored at once
    assert not at.warning or "Так, підтверджую" not in [b.label for b in at.button]
    assert "Показання прийнято" in shown(at) and "на перевірку" in shown(at)
    assert [(float(v), s, f) for v, s, f in stored(app_sessions, cabinet.seed_meter)[1:]] == [
        (151.0, "superseded", False),
        (190.0, "accepted", True),
    ]


def test_the_question_in_english_carries_units_on_both_values(cabinet):
    at = readings_screen(cabinet.world)
    at = send(at, "151,000")
    at.session_state["lang"], at.session_state["lang_chosen"] = "en", True
    at = click(at.run(), "Submit another reading instead of this one")
    # The example in the field reads as English writes it: "123,456" there would be a hundred thousand m³.
    assert [w.placeholder for w in at.text_input if w.label == "New reading, m³"] == ["123.456"]
    fill(at, **{"New reading, m³": "152.000"})
    at = click(at, "Submit the reading")
    assert [w.value for w in at.warning] == [
        "Replace the reading of 151.000\u00a0m³ you already submitted in this period with 152.000\u00a0m³?"
    ]


def test_outside_the_window_the_next_one_is_announced_and_no_form_is_shown(configure, cabinet):
    configure(TEPLO_NOW="2026-12-10T12:00")
    at = readings_screen(cabinet.world)
    assert "Наступний період подачі: **25.12.2026 — 03.01.2027**" in shown(at)
    assert not [w for w in at.text_input if w.label == "Нове показання, м³"]


def test_an_account_without_meters_says_so(app_world):
    build(app_world)
    app_world.payment(app_world.account("1120200003000", hot_water=False), "heating", "100.00", kyiv(2026, 11, 1))
    register_consumer(app_world.sessions, "+380501112233", number="1120200003000", amount="100", password=PASSWORD)
    at = logged_in_app(app_world, "+380501112233")
    at.switch_page("pages/public/readings.py").run()
    assert "немає лічильників гарячої води" in shown(at)
