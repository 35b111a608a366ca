"""Account look-up by account or meter number or by address: balances, charges, payments, readings, cabinet logins, audit trail."""

import streamlit as st

from core import audit_words
from core.errors import DomainError
from core.lookup import hint_applies
from core.readings import correct_reading
from ui import staff_data
from ui import staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import can, require_role
from ui.staff_text import Names, language, tr

user = require_role("lookup")
st.title(tr("staff.page.lookup"))
if "lookup_message" in st.session_state:
    st.success(st.session_state.pop("lookup_message"))

# The query, the account chosen and its tab stay through a switch of the staff language (see view.kept).
view.kept("lookup_hit")
with st.form("lookup"):
    query = st.text_input(tr("staff.lookup.query"), placeholder=tr("staff.lookup.query_example"), key="lookup_query")
    st.form_submit_button(tr("staff.lookup.find"), type="primary")
if not query.strip():
    st.stop()
try:
    hits = staff_data.find_accounts(query)
except DomainError as error:
    st.warning(error.message(language()))
    st.stop()
if not hits:
    st.warning(tr("staff.lookup.nothing_hint") if hint_applies(query) else tr("staff.lookup.nothing"))
    st.stop()


def described(hit) -> str:
    """`number · address`, and the meter the account was found by: a removed one said so, with its date."""
    if hit.meter_serial is None:
        meter = ""
    elif hit.meter_removed_on is None:
        meter = " · " + tr("staff.lookup.hit_meter", serial=hit.meter_serial)
    else:
        meter = " · " + tr(
            "staff.lookup.hit_removed_meter", serial=hit.meter_serial, date=view.date(hit.meter_removed_on)
        )
    return f"{hit.number} · {hit.address}{meter}"


hit = st.selectbox(
    tr("staff.lookup.found", count=len(hits)) + (tr("staff.lookup.first_50") if len(hits) >= 50 else ""),
    hits,
    format_func=described,
    key="lookup_hit",
)
try:
    card = staff_data.account_card(hit.account_id)
except DomainError as error:
    st.error(error.message(language()))
    st.stop()
statement = card.statement


def meter_name(meter) -> str:
    """`3000005`, or `2600555 (знятий 31.05.2017)` for a meter taken off the account."""
    if meter.removed_on is None:
        return md(meter.serial)
    return tr("staff.lookup.removed_meter", serial=md(meter.serial), date=view.date(meter.removed_on))


st.subheader(f"{md(statement.number)} · {md(statement.address)}")
if card.closed_on is not None:
    st.warning(tr("staff.lookup.closed", date=view.date(card.closed_on)))
st.caption(
    tr(
        "staff.lookup.summary",
        area=view.number(statement.heated_area, 2),
        residents=statement.residents,
        meters=", ".join(map(meter_name, card.meters)) or tr("staff.lookup.no_meters"),
    )
)
columns = st.columns(max(1, len(statement.services)))
for column, service in zip(columns, statement.services):
    label = (
        tr("staff.lookup.debt")
        if service.balance > 0
        else tr("staff.lookup.overpaid")
        if service.balance < 0
        else tr("staff.lookup.balance")
    )
    column.metric(
        f"{view.SERVICE_NAMES.get(service.service, service.service)}: {label.lower()}",
        view.money(abs(service.balance)),
        help=tr("staff.lookup.balance_help", charged=view.money(service.charged), paid=view.money(service.paid)),
    )

CORRECTIONS = Names("staff.lookup.correction.", ("reversed", "reversal", "replacement"))
# Only the chosen tab is drawn (a click on a tab reruns the page).
charges, payments, readings, logins, audit = view.tabs(
    [f"staff.lookup.tab.{name}" for name in ("charges", "payments", "readings", "cabinet", "audit")], key="lookup_tab"
)


def charge_lines() -> None:
    """The account's charges, month by month."""
    st.dataframe(
        [
            {
                tr("staff.month"): view.month_label(c.month),
                tr("staff.service"): view.SERVICE_NAMES.get(c.service, c.service),
                tr("staff.col.volume"): view.number(c.volume, 3),
                tr("staff.col.tariff"): view.number(c.tariff, 2),
                tr("staff.col.charged"): view.money(c.amount),
                tr("staff.col.discount"): view.percent(c.discount_percent) if c.discount_percent else "",
                tr("staff.col.due"): view.money(c.amount_to_pay),
                tr("staff.col.note"): CORRECTIONS.get(c.correction, ""),
            }
            for c in statement.charges
        ],
        hide_index=True,
    )


def payment_lines() -> None:
    """The payments credited to the account, and the cabinet's unfinished ones."""
    st.dataframe(
        [
            {
                tr("staff.col.date"): view.moment(p.paid_at),
                tr("staff.service"): view.SERVICE_NAMES.get(p.service, p.service),
                tr("staff.col.amount"): view.money(p.amount),
                tr("staff.channel"): view.PAYMENT_CHANNEL_NAMES.get(p.channel, p.channel),
                tr("staff.col.note"): CORRECTIONS.get(p.correction, ""),
            }
            for p in statement.payments
        ],
        hide_index=True,
    )
    if statement.pending:
        waiting = sum(p.status == "pending" for p in statement.pending)
        st.caption(tr("staff.lookup.pending_split", waiting=waiting, unfinished=len(statement.pending) - waiting))


def reading_lines() -> None:
    """The meters' readings, the estimates and recalculations, and the correction of a reading."""
    st.dataframe(
        [
            {
                tr("staff.period"): view.month_label(r.period) if r.period else "",
                tr("staff.col.meter"): r.meter_serial,
                tr("staff.col.reading_m3"): view.number(r.value, 3),
                tr("staff.col.consumption_m3"): view.number(r.consumption, 3),
                tr("staff.col.reading_date"): view.moment(r.submitted_at),
                tr("staff.channel"): view.READING_CHANNEL_NAMES.get(r.channel, r.channel),
                tr("staff.col.quality"): view.QUALITY_NAMES.get(r.quality, r.quality),
                tr("staff.col.status"): view.STATUS_NAMES.get(r.status, r.status),
                tr("staff.col.under_review"): view.flag_reason(r.flag_reason) or (tr("staff.yes") if r.flagged else ""),
            }
            for r in card.readings
        ],
        hide_index=True,
    )
    view.captioned_table(
        tr("staff.lookup.estimates"),
        [
            {
                tr("staff.period"): view.month_label(e.period),
                tr("staff.col.meter"): e.meter_serial,
                tr("staff.col.rule"): view.RULE_NAMES.get(e.rule, e.rule),
                tr("staff.col.volume_m3"): view.number(e.volume, 3),
                tr("staff.col.amount"): view.money(e.amount),
            }
            for e in card.estimates
        ],
    )
    view.captioned_table(
        tr("staff.additional.recalculations"),
        [
            {
                tr("staff.col.reading_period"): view.month_label(r.period),
                tr("staff.col.kind"): tr("staff.reversal") if r.kind == "reversal" else tr("staff.rule.recalculation"),
                tr("staff.col.estimated_before"): view.number(r.estimated_volume, 3),
                tr("staff.col.actual_m3"): view.number(r.actual_volume, 3),
                tr("staff.col.difference_m3"): view.number(r.volume, 3),
                tr("staff.col.amount"): view.money(r.amount),
            }
            for r in statement.recalculations
        ],
    )
    standing = [r for r in card.readings if r.status == "accepted" and r.period]
    if standing and can(user.role, "readings.correct"):
        view.kept_option(f"correct_target_{hit.account_id}", standing, lambda r: r.reading_id)
        with st.form("correct_reading"):
            st.write(tr("staff.lookup.correct_intro"))
            target = st.selectbox(
                tr("staff.lookup.reading"),
                standing,
                format_func=lambda r: (
                    f"{view.month_label(r.period)} · {r.meter_serial} · {view.number(r.value, 3)}{tr('staff.m3_suffix')} · "
                    f"{view.moment(r.submitted_at)}"
                ),
                key=f"correct_target_{hit.account_id}",
            )
            value = st.text_input(
                tr("staff.lookup.correct_value"), placeholder="123,456", key=f"correct_value_{hit.account_id}"
            )
            reason = st.text_input(tr("staff.lookup.correct_reason"), key=f"correct_reason_{hit.account_id}")
            if st.form_submit_button(tr("staff.lookup.correct")):
                try:
                    fixed = correct_reading(sessions(), target.reading_id, value, reason, actor=user.username)
                except DomainError as error:
                    st.error(error.message(language()))
                else:
                    staff_data.clear()
                    st.session_state["lookup_message"] = tr(
                        "staff.lookup.corrected",
                        value=view.number(fixed.value, 3),
                        replaced=view.number(fixed.replaced, 3),
                        receipt=fixed.receipt_number,
                    )
                    st.rerun()


def cabinet_logins() -> None:
    """The cabinet logins linked to the account."""
    if card.logins:
        st.dataframe(
            [
                {
                    tr("staff.lookup.login"): item.login,
                    tr("staff.lookup.method"): tr(f"staff.lookup.method.{item.method}"),
                    tr("staff.lookup.linked"): view.moment(item.linked_at),
                    tr("staff.lookup.last_login"): view.moment(item.last_login_at),
                }
                for item in card.logins
            ],
            hide_index=True,
        )
    else:
        st.write(tr("staff.lookup.not_in_cabinet"))


def journal() -> None:
    """The account's actions journal in the staff language (core.audit_words): who did what, to which part of
    the account, with the details as a short line; a linked cabinet login's own events marked with the login."""
    if not card.audit:
        st.write(tr("staff.lookup.journal_empty"))
        return
    lang = language()
    st.caption(tr("staff.lookup.journal_caption"))
    st.dataframe(
        [
            {
                tr("staff.lookup.time"): view.moment(a.at),
                tr("staff.conflicts.who"): audit_words.actor_text(a.actor_type, a.actor, lang),
                tr("staff.lookup.action"): audit_words.action_name(a.action, lang),
                tr("staff.lookup.concerns"): audit_words.subject_text(a.entity, a.entity_id, a.login, lang),
                tr("staff.lookup.details"): audit_words.details_text(a.action, a.details, lang),
            }
            for a in card.audit
        ],
        hide_index=True,
    )


for tab, part in (
    (charges, charge_lines),
    (payments, payment_lines),
    (readings, reading_lines),
    (logins, cabinet_logins),
    (audit, journal),
):
    if tab.open:
        with tab:
            part()
