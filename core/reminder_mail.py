"""The reminder e-mails: a window's or a new charge's message in the login's language, with the one-click
unsubscribe link."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy.orm import Session

from core import clock, formatting, mail, reminder_rules
from core.estimates import AdditionalChargeLine
from core.i18n import t
from core.reminder_facts import Facts
from core.reminder_rules import CHARGE, Due, Subscriber
from core.statements import statement
from db.models import ReadingWindow

# ---- the messages ------------------------------------------------------------------------------------------------


def _window_body(
    lang: str, kind: str, window: ReadingWindow, lines: list[AdditionalChargeLine], base_url: str
) -> tuple[str, list[str]]:
    info = reminder_rules.Window(window.id, window.period, window.opens_at, window.closes_at)
    last_day = (info.closes_at.astimezone(clock.KYIV) - dt.timedelta(microseconds=1)).date()
    month = formatting.month(window.period, lang)
    subject = t(f"reminder.{kind}.subject", lang, month=month, closes=formatting.date(last_day, lang))
    body = [
        t(
            f"reminder.{kind}.intro",
            lang,
            month=month,
            opens=formatting.date(info.opens_at.astimezone(clock.KYIV).date(), lang),
            closes=formatting.date(last_day, lang),
        ),
        "",
        t("reminder.window.missing", lang),
    ]
    for line in lines:
        body.append(
            t(
                "reminder.window.meter",
                lang,
                account=line.account_number,
                address=line.address,
                serial=line.meter_serial,
            )
        )
        body.append(
            t(
                "reminder.window.estimate",
                lang,
                closes=formatting.date(last_day, lang),
                volume=formatting.volume(line.volume, lang),
                amount=formatting.money(line.amount, lang),
            )
        )
    body += ["", t("reminder.window.action", lang, url=f"{base_url}/readings")]
    return subject, body


def _charge_body(
    session: Session, lang: str, month_: dt.date, account_ids: list[int], base_url: str
) -> tuple[str, list[str]]:
    month = formatting.month(month_, lang)
    subject = t("reminder.charge.subject", lang, month=month)
    body = [t("reminder.charge.intro", lang, month=month)]
    for account_id in account_ids:
        account = statement(session, account_id)
        lines = [c for c in account.charges if c.month == month_ and c.correction in (None, "replacement")]
        if not lines:
            continue
        body += ["", t("reminder.charge.account", lang, account=account.number, address=account.address)]
        for charge in lines:
            service = t(f"service.{charge.service}", lang)
            if charge.discount_amount:
                body.append(
                    t(
                        "reminder.charge.line_discount",
                        lang,
                        service=service,
                        amount=formatting.money(charge.amount, lang),
                        discount=formatting.percent(charge.discount_percent, lang),
                        to_pay=formatting.money(charge.amount_to_pay, lang),
                    )
                )
            else:
                body.append(
                    t(
                        "reminder.charge.line",
                        lang,
                        service=service,
                        to_pay=formatting.money(charge.amount_to_pay, lang),
                    )
                )
        for balance in account.services:
            if balance.balance > 0:
                body.append(
                    t(
                        "reminder.charge.debt",
                        lang,
                        service=t(f"service.{balance.service}", lang),
                        amount=formatting.money(balance.balance, lang),
                    )
                )
            elif balance.balance < 0:
                body.append(
                    t(
                        "reminder.charge.overpaid",
                        lang,
                        service=t(f"service.{balance.service}", lang),
                        amount=formatting.money(-balance.balance, lang),
                    )
                )
    body += ["", t("reminder.charge.action", lang, url=f"{base_url}/pay")]
    return subject, body


def compose(
    session: Session,
    settings: mail.MailSettings,
    facts: Facts,
    subscriber: Subscriber,
    lang: str,
    item: Due,
    now: dt.datetime,
) -> EmailMessage:
    """The plain-text e-mail in the login's language, with the signed one-click unsubscribe (RFC 8058)."""
    if item.kind == CHARGE:
        subject, body = _charge_body(
            session, lang, item.period, facts.accounts_of.get(subscriber.login_id, []), settings.public_base_url
        )
    else:
        assert item.window_id is not None  # a window's reminders name their window (reminder_rules.due)
        accounts = set(facts.accounts_of.get(subscriber.login_id, []))
        lines = [line for line in facts.estimates[item.window_id] if line.account_id in accounts]
        subject, body = _window_body(
            lang, item.kind, facts.window_rows[item.window_id], lines, settings.public_base_url
        )
    link = mail.unsubscribe_url(settings, subscriber.login_id, now)
    body = [
        t("reminder.greeting", lang),
        "",
        *body,
        "",
        "-- ",
        t("reminder.footer", lang, url=settings.public_base_url),
        t("reminder.unsubscribe", lang, url=link),
    ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((t("reminder.sender_name", lang), settings.sender))
    message["To"] = subscriber.login
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message.set_raw("List-Unsubscribe", f"<{link}>")  # one line on the wire (mail.WIRE_POLICY)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = lang
    message.set_content("\n".join(body) + "\n")
    return message
