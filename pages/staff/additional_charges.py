"""Accounts needing additional charges for a closed window, readings flagged for review, the billing file."""

import streamlit as st

from core import additional_charges, clock
from core.additional_charges import process_window
from core.charge_lists import LineChoice
from core.errors import DomainError
from core.file_names import file_name
from ui import staff_data
from ui import staff_view as view
from ui.plain import chart_text
from ui.resources import sessions
from ui.staff_access import can, require_role
from ui.staff_text import language, tr

user = require_role("additional_charges")
st.title(tr("staff.page.additional_charges"))
if "processed_message" in st.session_state:
    st.success(st.session_state.pop("processed_message"))
st.caption(tr("staff.additional.intro"))

now = clock.now()
closed = [w for w in staff_data.reading_windows() if w.closes_at <= now]
if not closed:
    st.info(tr("staff.additional.no_closed"))
    st.stop()
# What was chosen (in a tab too, while another is open) is kept, through a switch of the staff language as well.
view.kept_option("additional_window", closed, lambda w: w.id)
view.kept("lines_rule", "lines_street", "lines_search", "recalculations_search", "flagged_search")
window = st.selectbox(
    tr("staff.additional.window"),
    closed,
    format_func=lambda w: (
        view.window_label(w)
        + (tr("staff.additional.processed_suffix") if w.processed_at else tr("staff.additional.unprocessed_suffix"))
    ),
    key="additional_window",
)
totals = staff_data.charge_totals(window)  # a processed window's list stays in SQL: the page asks for what it shows
recalculations = staff_data.recalculation_list(window.id)
flagged = staff_data.flagged_readings(window.id)

amount = totals.amount
# The figures wrap onto a second row where four in a row would cut them (a 1024 px screen).
with st.container(horizontal=True, gap="medium"):
    st.metric(tr("staff.additional.accounts"), view.number(totals.lines), width="content")
    st.metric(tr("staff.additional.volume"), view.number(totals.volume, 3) + tr("staff.m3_suffix"), width="content")
    st.metric(
        tr("staff.additional.amount"),
        view.money_short(amount),
        help=tr("staff.exactly", amount=view.money(amount)),
        width="content",
    )
    st.metric(tr("staff.additional.flagged_count"), view.number(len(flagged)), width="content")

table = additional_charges.count_by_street_and_reason(totals.by_street, flagged)
if table:
    streets = list(table)[:20]
    reasons = [r for r in ("average", "norm", "flagged") if any(table[s].get(r) for s in streets)]
    fig = view.figure(
        tr("staff.additional.chart"),
        tr("staff.additional.accounts_axis"),
        "",
        [
            view.bar(
                [table[s].get(reason, 0) for s in streets],
                [chart_text(s) for s in streets],
                view.RULE_NAMES[reason],
                orientation="h",
            )
            for reason in reasons
        ],
        height=max(320, 28 * len(streets) + 120),
        barmode="stack",
        hovermode="y unified",
        yaxis={"autorange": "reversed", "type": "category", "tickformat": None},
        xaxis={"type": "linear", "tickformat": ","},
        legend={"traceorder": "normal"},
    )
    view.show(fig, key="by_street")
    if len(table) > len(streets):
        st.caption(tr("staff.additional.top_streets", total=len(table)))


def place(row) -> dict:
    """The columns every list of the page starts with: the account, its address and the meter."""
    return {
        tr("staff.col.account"): row.account_number,
        tr("staff.col.address"): row.address,
        tr("staff.col.meter"): row.meter_serial,
    }


def charge_record(line) -> dict:
    return {
        **place(line),
        tr("staff.col.residents"): line.residents,
        tr("staff.col.months_without"): tr("staff.never") if line.months_without is None else line.months_without,
        tr("staff.col.rule"): view.RULE_NAMES[line.rule],
        tr("staff.col.volume_m3"): view.number(line.volume, 3),
        tr("staff.col.tariff"): view.number(line.tariff, 2),
        tr("staff.col.amount"): view.money(line.amount),
    }


def recalculation_record(r) -> dict:
    return {
        **place(r),
        tr("staff.col.reading_period"): view.month_label(r.period),
        tr("staff.col.kind"): tr("staff.reversal") if r.kind == "reversal" else tr("staff.rule.recalculation"),
        tr("staff.col.reading_quality"): view.QUALITY_NAMES.get(r.quality, r.quality),
        tr("staff.col.estimated_before"): view.number(r.estimated_volume, 3),
        tr("staff.col.actual_m3"): view.number(r.actual_volume, 3),
        tr("staff.col.difference_m3"): view.number(r.volume, 3),
        tr("staff.col.amount"): view.money(r.amount),
    }


def flagged_record(f) -> dict:
    return {
        **place(f),
        tr("staff.col.reading_m3"): view.number(f.value, 3),
        tr("staff.col.consumption_m3"): view.number(f.consumption, 3),
        tr("staff.col.submitted"): view.moment(f.submitted_at),
        tr("staff.channel"): view.READING_CHANNEL_NAMES.get(f.channel, f.channel),
        tr("staff.col.reason"): view.flag_reason(f.reason),
    }


def searchable(item) -> str:
    return f"{item.account_number} {item.address} {item.meter_serial}"


period_filter = {tr("staff.filter.period"): f"{window.period:%Y-%m}"}


def window_list(key: str, items, record, file_stem: str, empty: str, what: str | None = None) -> None:
    """One of the window's lists, searchable, with the whole list's CSV beside it; `empty` says it has nothing."""
    if not items:
        st.write(empty)
        return
    view.capped_list(
        items,
        record,
        key=key,
        download=tr(f"staff.additional.download_{key}", count=view.number(len(items))),
        filters=period_filter,
        file_name=view.file_name(file_stem, period_filter),
        what=what,
        search_in=searchable,
    )


# The lists and the processing each have a tab; only the chosen one runs (a tab change reruns the page).
without_tab, recalculations_tab, flagged_tab, processing_tab = view.tabs(
    [
        "staff.additional.tab_without",
        "staff.additional.tab_recalculations",
        "staff.additional.tab_flagged",
        "staff.additional.processing",
    ],
    key="additional_tab",
)


def line_filters(rule: str | None, street: str | None, search: str) -> dict[str, str]:
    """What a download of the lines holds, for its first line and its name: the period, the street and the rule
    («усі» for all of them), and the words searched for, if any."""
    return {
        **period_filter,
        tr("staff.filter.street"): street or tr("staff.filter.all"),
        tr("staff.filter.rule"): view.RULE_NAMES[rule] if rule else tr("staff.filter.all"),
        **({tr("staff.filter.search"): search} if search else {}),
    }


def without_readings() -> None:
    """The window's additional charges: chosen by rule and street, searchable; as files, every line the choice
    holds (not only the 200 shown) and the whole list, each named by what it holds."""
    if totals.lines:
        with st.container(horizontal=True):
            rule = st.selectbox(
                tr("staff.col.rule"),
                [None, "average", "norm"],
                key="lines_rule",
                format_func=lambda r: view.RULE_NAMES[r] if r else tr("staff.additional.all_rules"),
            )
            street = st.selectbox(
                tr("staff.street"),
                [None, *sorted(street for street, _rules in totals.by_street)],
                key="lines_street",
                format_func=lambda s: s or tr("staff.additional.all_streets"),
            )
        in_choice = totals.lines_of(LineChoice(rule, street))
        search = view.list_search("lines", in_choice)
        choice = LineChoice.of(rule, street, search)
        chosen = staff_data.chosen_charges(window, choice, view.SHOWN_ROWS)
        view.shown_table(
            chosen.first,
            charge_record,
            matched=chosen.matched,
            total=in_choice,
            searched=bool(choice.words),
            what=tr("staff.what.accounts"),
        )
        with st.container(horizontal=True):
            if choice != LineChoice() and chosen.matched:  # the filters narrow the list: what they keep, first
                filters = line_filters(rule, street, search)
                view.list_download(
                    tr("staff.additional.download_chosen", count=view.number(chosen.matched)),
                    staff_data.all_chosen_charges(window, choice),
                    charge_record,
                    filters,
                    file_name=view.file_name("bez-pokazan-donarakhuvannia", filters),
                    key="lines_chosen_csv",
                )
            whole = line_filters(None, None, "")
            view.list_download(
                tr("staff.additional.download_all", count=view.number(totals.lines)),
                staff_data.all_charges(window),
                charge_record,
                whole,
                file_name=view.file_name("bez-pokazan-donarakhuvannia", whole),
                key="lines_all_csv",
            )
    else:
        st.success(tr("staff.additional.all_submitted"))


def recalculation_lines() -> None:
    """Real readings that arrived after estimates: what was estimated is billed or credited back."""
    st.caption(tr("staff.additional.recalculations_help"))
    window_list(
        "recalculations", recalculations, recalculation_record, "pererakhunky", tr("staff.additional.no_recalculations")
    )


def flagged_lines() -> None:
    window_list(
        "flagged",
        flagged,
        flagged_record,
        "na-perevirtsi",
        tr("staff.additional.none_flagged"),
        tr("staff.what.readings"),
    )


def processing() -> None:
    """Storing the window's additional charges (once, by a role that may, after a confirmation) and the billing
    file of them and the recalculations."""
    if totals.lines or recalculations:
        st.download_button(
            tr("staff.additional.download"),
            staff_data.billing_csv(window, recalculations),
            file_name=file_name("donarakhuvannia", f"{window.period:%Y-%m}"),  # the billing system's name of it
            mime="text/csv",
            on_click="ignore",  # no rerun: the file is built when clicked, and a rerun would redraw the tab
            icon=":material/download:",
            key="billing_csv",
        )
    if window.processed_at:
        st.info(tr("staff.additional.processed_at", at=view.moment(window.processed_at)))
    elif not can(user.role, "additional_charges.process"):
        st.caption(tr("staff.additional.who_processes"))
    else:
        with st.form("process_window"):
            if flagged:
                st.warning(tr("staff.additional.flagged_before_processing", count=view.number(len(flagged))))
            if recalculations:
                st.write(
                    tr(
                        "staff.additional.confirm_with_recalculations",
                        lines=view.number(totals.lines),
                        amount=view.money(amount),
                        recalculations=view.number(len(recalculations)),
                        month=view.month_label(window.period),
                    )
                )
            else:
                st.write(
                    tr(
                        "staff.additional.confirm",
                        lines=view.number(totals.lines),
                        amount=view.money(amount),
                        month=view.month_label(window.period),
                    )
                )
            sure = st.checkbox(tr("staff.additional.checked"), key=f"process_checked_{window.id}")
            if st.form_submit_button(tr("staff.additional.process"), type="primary"):
                if not sure:
                    st.error(tr("staff.additional.checked_required"))
                else:
                    try:
                        stored = process_window(sessions(), window.id, actor=user.username)
                    except DomainError as error:
                        st.error(error.message(language()))
                    else:
                        staff_data.clear()
                        st.session_state["processed_message"] = tr("staff.additional.done", stored=view.number(stored))
                        st.rerun()


for tab, part in (
    (without_tab, without_readings),
    (recalculations_tab, recalculation_lines),
    (flagged_tab, flagged_lines),
    (processing_tab, processing),
):
    if tab.open:
        with tab:
            part()
