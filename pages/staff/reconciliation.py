"""Reconciliation of cabinet payments with the bank registries: what needs a look, and what the bank has not reported."""

import datetime as dt
from decimal import Decimal
from typing import Any

import streamlit as st

from core import clock
from core.reconciliation_report import ReconciliationReport, reconciliation_report
from ui import staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role

require_role("reconciliation")
st.title("Звірка оплат з реєстрами банку")
st.caption("Оплати через кабінет підтверджує платіжний сервіс, а потім — реєстр банку. Кожен рядок реєстру "
           "зіставляється з платежем за номером замовлення або зараховується на вказаний рахунок і послугу; "
           "двічі одна оплата не зараховується.")

OUTCOMES = {"added": "Зараховано з реєстру", "matched_intent": "Підтверджено платіж кабінету",
            "duplicate": "Уже зараховано (дубль)", "corrected": "Виправлення (конфлікти імпорту)"}
ISSUES = {"order_unknown": "Невідомий номер замовлення", "order_mismatch": "Інший рахунок або послуга, ніж у замовленні",
          "amount_differs": "Сума відрізняється від замовлення",
          "possible_duplicate": "Схоже на оплату кабінету, уже зараховану"}


@st.cache_data(ttl=60, show_spinner=False)
def report(_sessions, since: dt.date, until: dt.date) -> ReconciliationReport:
    return reconciliation_report(_sessions, since, until)


today = clock.today()
period = st.date_input("Дні оплати", value=(today - dt.timedelta(days=30), today), max_value=today, format="DD.MM.YYYY")
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Виберіть початок і кінець періоду.")
    st.stop()
since, until = period
data = report(sessions(), since, until)
filters = {"з": view.date(since), "по": view.date(until)}

columns = st.columns(5)
for column, (outcome, label) in zip(columns, OUTCOMES.items()):
    count, total = data.outcomes.get(outcome, (0, Decimal(0)))
    column.metric(label, view.number(count), help=f"На суму {view.money(total)}")
columns[4].metric("Оплачено через кабінет", view.number(data.cabinet_paid[0]),
                  help=f"На суму {view.money(data.cabinet_paid[1])}")

st.subheader(f"Рядки реєстрів, що потребують уваги: {len(data.unmatched_rows)}")
if data.unmatched_rows:
    header = ["Дата оплати", "Рахунок", "Послуга", "Сума", "Номер замовлення", "Причина", "Зараховано", "Джерело",
              "Номер запису"]
    rows: list[list[Any]] = [[r.paid_at, r.account_number, view.SERVICE_NAMES.get(r.service, r.service), r.amount, r.order_id or "",
             ISSUES.get(r.issue, r.issue), r.credited, r.source, r.external_ref] for r in data.unmatched_rows]
    shown = [[view.moment(r.paid_at), r.account_number, view.SERVICE_NAMES.get(r.service, r.service), view.money(r.amount),
              r.order_id or "", ISSUES.get(r.issue, r.issue), "так" if r.credited else "ні", r.source, r.external_ref]
             for r in data.unmatched_rows]
    view.table_with_csv(header, rows, shown, filters, "zvirka_ryadky")
else:
    st.success("Усі рядки реєстрів за цей період зіставлено.")

st.subheader(f"Оплати через кабінет, яких ще немає в реєстрах: {len(data.unconfirmed_intents)}")
if data.unconfirmed_intents:
    header = ["Дата оплати", "Номер замовлення", "Рахунок", "Послуга", "Сума", "Платіжний сервіс"]
    rows = [[u.paid_at, u.order_id, u.account_number, view.SERVICE_NAMES.get(u.service, u.service), u.amount,
             "LiqPay" if u.provider == "liqpay" else "Демо"] for u in data.unconfirmed_intents]
    shown = [[view.moment(r[0]), *r[1:4], view.money(r[4]), r[5]] for r in rows]
    view.table_with_csv(header, rows, shown, filters, "zvirka_kabinet", key="unconfirmed")
    st.caption("Банк зазвичай надсилає реєстр наступного робочого дня; оплата, якої немає в реєстрі довше, "
               "потребує з'ясування з банком.")
else:
    st.success("Кожну оплату через кабінет за цей період підтверджено реєстром.")

st.subheader(f"Повернені оплати (сторно): {len(data.reversals)}")
if data.reversals:
    header = ["Дата повернення", "Рахунок", "Послуга", "Сума", "Дата оплати", "Джерело", "Номер запису"]
    rows = [[r.reversed_at, r.account_number, view.SERVICE_NAMES.get(r.service, r.service), r.amount, r.paid_at,
             r.source, r.external_ref] for r in data.reversals]
    shown = [[view.moment(r[0]), *r[1:3], view.money(r[3]), view.moment(r[4]), *r[5:]] for r in rows]
    view.table_with_csv(header, rows, shown, filters, "zvirka_storno", key="reversals")
    st.caption("Платіжний сервіс повернув ці кошти платнику: оплата лишається в обліку, а сторнувальний запис "
               "(від'ємна сума) її знімає.")
else:
    st.caption("Повернень оплат за цей період не було.")
