"""The Pay, demo-provider and payment-result screens: their sentences (Ukrainian default, English), the status
labels, and the payment settings as the app sees them (Streamlit secrets over the environment)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import streamlit as st

from core.formatting import half_up
from core.payment_providers import PaymentSettings
from ui.public_session import language

TEXT: dict[str, dict[str, str]] = {
    "pay.title": {"uk": "Оплата", "en": "Pay"},
    "pay.no_commission": {
        "uk": "**Без комісії.** Уся сплачена сума до копійки зараховується на ваш особовий рахунок за обрану послугу.",
        "en": "**No commission.** Every kopeck you pay is credited to your personal account for the chosen service.",
    },
    "pay.account": {"uk": "Особовий рахунок **{number}**", "en": "Personal account **{number}**"},
    "pay.service": {"uk": "Послуга", "en": "Service"},
    "pay.debt": {"uk": "борг {amount}", "en": "owed {amount}"},
    "pay.overpaid": {"uk": "переплата {amount}", "en": "overpaid {amount}"},
    "pay.settled": {"uk": "боргу немає", "en": "nothing owed"},
    "pay.amount": {"uk": "Сума, ₴", "en": "Amount, ₴"},
    "pay.amount_help": {
        "uk": "Підставлено ваш борг; можна змінити. Копійки — через кому: 1866,66.",
        "en": "Your debt is filled in; you may change it. Kopecks after a comma or point: 1866.66.",
    },
    "pay.submit": {"uk": "Перейти до оплати", "en": "Continue to payment"},
    "pay.no_services": {"uk": "За цим рахунком немає послуг для оплати.", "en": "This account has no services to pay."},
    "pay.ready": {"uk": "Платіж підготовлено", "en": "Payment ready"},
    "pay.summary": {
        "uk": "{service}: **{amount}** на особовий рахунок {number}, без комісії. Номер платежу {order}.",
        "en": "{service}: **{amount}** to personal account {number}, no commission. Payment number {order}.",
    },
    "pay.go_liqpay": {"uk": "Оплатити {amount} карткою (LiqPay)", "en": "Pay {amount} by card (LiqPay)"},
    "pay.liqpay_note": {
        "uk": "Відкриється захищена сторінка LiqPay (ПриватБанк). Після оплати ви повернетеся до кабінету.",
        "en": "LiqPay's secure page (PrivatBank) opens. After paying you come back to the cabinet.",
    },
    "pay.go_demo": {"uk": "Оплатити {amount} (демонстрація)", "en": "Pay {amount} (demonstration)"},
    "pay.demo_note": {
        "uk": "Платіжний сервіс не налаштовано: відкриється демонстраційна сторінка оплати, гроші не списуються.",
        "en": "No payment service is configured: a demonstration payment page opens, no money is taken.",
    },
    "pay.expires": {"uk": "Посилання дійсне до {time}.", "en": "The link is valid until {time}."},
    "pay.history": {"uk": "Ваші оплати через кабінет", "en": "Your payments through the cabinet"},
    "pay.history_empty": {"uk": "Оплат через кабінет ще не було.", "en": "No payments through the cabinet yet."},
    "pay.history_line": {"uk": "{date} · {service} · **{amount}**", "en": "{date} · {service} · **{amount}**"},
    "status.created": {"uk": "Не оплачено", "en": "Not paid"},
    "status.pending": {"uk": "Очікує підтвердження банку", "en": "Awaiting the bank's confirmation"},
    "status.paid": {"uk": "Зараховано", "en": "Credited"},
    "status.failed": {"uk": "Не вдалося", "en": "Failed"},
    "status.expired": {"uk": "Термін оплати минув", "en": "Expired"},
    "demo.title": {"uk": "Демонстраційна оплата", "en": "Demonstration payment"},
    "demo.banner": {
        "uk": "**Демонстраційна оплата — гроші не списуються.** Ця сторінка замінює платіжний сервіс, доки його "
              "не налаштовано: вона підтверджує або відхиляє платіж так само, як це зробив би банк.",
        "en": "**Demonstration payment — no money is taken.** This page stands in for the payment service until one "
              "is configured: it confirms or declines the payment the way the bank would.",
    },
    "demo.recipient": {"uk": "Призначення платежу", "en": "Payment purpose"},
    "demo.amount": {"uk": "Сума до сплати", "en": "Amount to pay"},
    "demo.commission": {"uk": "Комісія: 0,00 ₴", "en": "Commission: 0.00 ₴"},
    "demo.pay": {"uk": "Сплатити (демо)", "en": "Pay (demo)"},
    "demo.decline": {"uk": "Відхилити (демо)", "en": "Decline (demo)"},
    "demo.no_order": {"uk": "Платіж не вказано. Почніть зі сторінки «Оплата».",
                      "en": "No payment given. Start from the Pay page."},
    "demo.closed": {"uk": "Цей платіж уже не очікує оплати: {status}.",
                    "en": "This payment is no longer awaiting payment: {status}."},
    "result.title": {"uk": "Результат оплати", "en": "Payment result"},
    "result.paid": {
        "uk": "Оплату зараховано: **{amount}** — {service}, особовий рахунок {number}.",
        "en": "Payment credited: **{amount}** — {service}, personal account {number}.",
    },
    "result.pending": {
        "uk": "Платіж **{amount}** очікує підтвердження банку. Він ще **не зарахований**; статус оновиться сам.",
        "en": "The payment of **{amount}** is awaiting the bank's confirmation. It is **not credited yet**; "
              "the status updates by itself.",
    },
    "result.failed": {"uk": "Оплата **{amount}** не вдалася. Кошти не списано або буде повернено.",
                      "en": "The payment of **{amount}** failed. No money was taken, or it will be returned."},
    "result.expired": {"uk": "Час на оплату **{amount}** минув. Створіть новий платіж.",
                       "en": "The time to pay **{amount}** has run out. Start a new payment."},
    "result.status_only": {"uk": "Статус платежу {order}: **{status}**.", "en": "Status of payment {order}: **{status}**."},
    "result.login_for_details": {"uk": "Увійдіть до кабінету, щоб побачити подробиці та історію оплат.",
                                 "en": "Log in to the cabinet to see the details and your payment history."},
    "result.reason": {"uk": "Відповідь банку:", "en": "The bank's answer:"},
    "result.again": {"uk": "Оплатити ще", "en": "Pay again"},
    "result.account": {"uk": "Мій рахунок", "en": "My account"},
    "result.login": {"uk": "Увійти", "en": "Log in"},
    # Money: reversed payments
    "status.reversed": {"uk": "Повернено", "en": "Reversed"},
    "result.reversed": {
        "uk": "Оплату **{amount}** повернуто платіжним сервісом, тож вона більше не зараховується на особовий рахунок.",
        "en": "The payment of **{amount}** was reversed by the payment service: it no longer counts on the account.",
    },
}

# The cabinet pages these screens link to, with the url paths public_app.py registers them under
# (result_url points at /pay-result, core.payment_providers.RESULT_PATH).
_PAGES = Path(__file__).resolve().parent.parent / "pages" / "public"
URL_PATHS = {"pay.py": "pay", "pay_demo.py": "pay-demo", "pay_result.py": "pay-result", "account.py": "account",
             "login.py": "login"}

STATUS_COLOURS = {"created": "gray", "pending": "orange", "paid": "green", "failed": "red", "expired": "gray",
                  "reversed": "violet"}


def tr(key: str, /, **params: object) -> str:
    entry = TEXT[key]
    text = entry.get(language()) or entry["uk"]
    return text.format(**params) if params else text


def page(name: str) -> st.Page:
    """A cabinet page by file name, as the navigation registers it, for st.switch_page and st.page_link."""
    return st.Page(_PAGES / name, url_path=URL_PATHS[name])


def status_badge(status: str) -> str:
    """A coloured label for the status; a pending payment never reads as paid."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{tr('status.' + status)}]"


def amount_text(value: Decimal) -> str:
    """An amount as the consumer would type it: `1866,66` (Ukrainian) or `1866.66`."""
    text = f"{half_up(value, 2):f}"
    return text.replace(".", ",") if language() == "uk" else text


def settings() -> PaymentSettings:
    """Payment provider settings: Streamlit secrets (secrets.toml, root level) over the environment."""
    try:
        overrides = {key: st.secrets[key] for key in st.secrets}
    except Exception:  # no secrets file: the environment alone decides
        overrides = {}
    return PaymentSettings.load(overrides)
