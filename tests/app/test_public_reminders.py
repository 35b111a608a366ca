"""Profile: an e-mail login turns reminders on and off (consent recorded with its time, audited); a phone login is
told why it cannot."""

from sqlalchemy import select

from core.clock import parse_pinned
from db.models import AuditLog, ReminderConsent
from tests.app.conftest import WINDOW_OPEN
from tests.app.public_support import build, click, logged_in_app, registered, shown


def profile(world, login="olena@example.com"):
    return logged_in_app(world, login).switch_page("pages/public/profile.py").run()


def reminder_box(at):
    boxes = [c for c in at.checkbox if c.label.startswith("Надсилати нагадування")]
    return boxes[0] if boxes else None


def test_an_e_mail_login_turns_reminders_on_and_off_and_the_consent_is_recorded(app_world):
    build(app_world)
    login_id = registered(app_world)
    at = profile(app_world)
    assert "Нагадування на e-mail" in shown(at)
    box = reminder_box(at)
    assert box.label == "Надсилати нагадування на olena@example.com" and box.value is False
    box.check()
    at = click(at, "Зберегти")
    assert "Нагадування ввімкнено." in shown(at)
    assert "Згоду надано 27.11.2026 12:00 (за київським часом)." in shown(at)
    assert reminder_box(at).value is True
    with app_world.sessions() as s:
        consent = s.get(ReminderConsent, login_id)
        assert (consent.consented_at, consent.withdrawn_at) == (parse_pinned(WINDOW_OPEN), None)

    reminder_box(at).uncheck()
    at = click(at, "Зберегти")
    assert "Нагадування вимкнено." in shown(at) and "Згоду надано" not in shown(at)
    with app_world.sessions() as s:
        assert s.get(ReminderConsent, login_id).withdrawn_at == parse_pinned(WINDOW_OPEN)
        actions = s.scalars(
            select(AuditLog.action).where(AuditLog.action.like("reminders.%")).order_by(AuditLog.id)
        ).all()
    assert actions == ["reminders.enabled", "reminders.disabled"]


def test_a_phone_login_is_told_reminders_need_an_e_mail(app_world):
    build(app_world)
    registered(app_world, login="+380671234567")
    at = profile(app_world, "+380671234567")
    assert reminder_box(at) is None
    assert "Нагадування надсилаються лише на e-mail, а ви входите за номером телефону." in shown(at)
    assert not [b for b in at.button if b.label == "Зберегти"]
