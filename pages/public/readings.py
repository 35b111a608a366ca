"""Hot-water meter readings: the window, the last accepted reading per meter, submission with confirmations."""

import datetime as dt
from decimal import Decimal

import streamlit as st

from core import clock, formatting
from core.errors import DomainError, NeedsConfirmation
from core.readings import estimate_if_no_reading, meters_of_account, submit_reading
from core.windows import window_status
from ui.plain import md
from ui.public_session import language, require_login, selected_account, tr
from ui.resources import sessions

EXAMPLE_READING = Decimal("123.456")

lang = language()
login_id = require_login()
account = selected_account()
status = window_status(sessions())
window = status.open
last_day = formatting.date(window.last_day, lang) if window else None  # the open window's last day, as shown


def volumes(**figures) -> dict[str, str]:
    """The receipt's volumes (m³) as the consumer's language writes them."""
    return {name: formatting.volume(figure, lang) for name, figure in figures.items()}


def submit(meter_id: int, value: str, confirm_jump: bool = False, confirm_replace: bool = False) -> None:
    """Submit; a needed confirmation is kept in the session state and asked for below the meter. Called as the
    button's callback, before the script runs, so the page is drawn once with the outcome (not twice)."""
    st.session_state.pop("pending_reading", None)
    st.session_state.pop("receipt", None)
    st.session_state.pop("replacing", None)
    try:
        receipt = submit_reading(
            sessions(),
            login_id,
            meter_id,
            value,
            confirm_jump=confirm_jump,
            confirm_replace=confirm_replace,
            language=lang,
        )
    except NeedsConfirmation as question:
        st.session_state["pending_reading"] = {
            "meter_id": meter_id,
            "value": value,
            "message": question.message(lang),
            "confirm_jump": confirm_jump or "jump" in question.kinds,
            "confirm_replace": confirm_replace or "replace" in question.kinds,
        }
    except DomainError as error:
        st.session_state["reading_error"] = (meter_id, error.message(lang))
    else:
        st.session_state["receipt"] = receipt


def submit_typed(meter_id: int) -> None:
    submit(meter_id, st.session_state.get(f"reading_value_{meter_id}", ""))


def replace(meter_id: int) -> None:
    """The consumer chose to send another reading instead of the one just accepted: its form comes back."""
    st.session_state["replacing"] = meter_id


def cancel() -> None:
    st.session_state.pop("pending_reading", None)
    st.toast(tr("readings.cancelled"))


st.title(tr("readings.title"), anchor=False)
if account.closed_on is not None:
    st.info(tr("readings.account_closed", date=formatting.date(account.closed_on, lang)))
    st.stop()
meters = meters_of_account(sessions(), login_id, account.account_id)
receipt = st.session_state.get("receipt")
# A reading accepted just now, with every meter of the flat read in the window: the receipt says what was done,
# and the advice on when to send a reading would read as if one were still to be sent.
all_sent = (
    receipt is not None
    and "replacing" not in st.session_state
    and any(meter.serial == receipt.meter_serial for meter in meters)
    and all(meter.in_window_value is not None for meter in meters)
)
if window is not None:
    left = window.closes_at - status.now
    st.success(
        tr(
            "readings.open",
            opens=formatting.date(window.first_day, lang),
            closes=last_day,
            month=formatting.month(window.period, lang),
        )
    )
    if left >= dt.timedelta(days=1):
        st.markdown(f":material/timer: **{tr('readings.countdown', days=left.days, hours=left.seconds // 3600)}**")
    else:
        st.markdown(
            f":material/timer: **{tr('readings.countdown_hours', hours=left.seconds // 3600, minutes=left.seconds % 3600 // 60)}**"
        )
    if not all_sent:
        st.info(
            tr(
                "readings.advice",
                from_day=formatting.date(max(window.first_day, window.last_day - dt.timedelta(days=2)), lang),
                to_day=last_day,
            ),
            icon=":material/lightbulb:",
        )
elif status.next is not None:
    st.info(
        tr(
            "readings.closed",
            opens=formatting.date(status.next.first_day, lang),
            closes=formatting.date(status.next.last_day, lang),
        )
    )
else:
    st.info(tr("readings.none_scheduled"))

estimates = estimate_if_no_reading(sessions(), login_id, account.account_id) if window else {}
if not meters:
    st.info(tr("readings.no_meters"))

for meter in meters:
    with st.container(border=True):
        st.subheader(tr("readings.meter", serial=md(meter.serial)), anchor=False)
        if meter.last_value is None or meter.last_submitted_at is None:
            st.write(tr("readings.never"))
        else:
            st.markdown(
                tr(
                    "readings.last",
                    value=formatting.volume(meter.last_value, lang),
                    date=formatting.date(meter.last_submitted_at.astimezone(clock.KYIV).date(), lang),
                )
            )
        accepted = receipt is not None and receipt.meter_serial == meter.serial  # just now, in this session
        if receipt is not None and accepted:
            st.success(tr("readings.receipt", number=receipt.receipt_number))
            shown = volumes(
                value=receipt.value,
                previous=receipt.previous_value,
                consumption=receipt.consumption,
                estimated=receipt.estimated_before,
                credited=receipt.credited_volume,
                billed=receipt.billed_volume,
            )
            st.markdown(
                tr(
                    "readings.receipt_detail",
                    serial=md(receipt.meter_serial),
                    value=shown["value"],
                    previous=shown["previous"],
                    consumption=shown["consumption"],
                )
            )
            if receipt.credited_volume:
                credited = {key: shown[key] for key in ("estimated", "consumption", "credited")}
                st.caption(tr("readings.receipt_credited", **credited))
            elif receipt.estimated_before:
                st.caption(tr("readings.receipt_estimated", estimated=shown["estimated"], billed=shown["billed"]))
            if receipt.replaced is not None:
                st.caption(tr("readings.receipt_replaced", value=formatting.volume(receipt.replaced, lang)))
            if receipt.flagged:
                st.warning(tr("readings.receipt_flagged"))
        if window is None:
            continue
        pending = st.session_state.get("pending_reading")
        asking = bool(pending and pending["meter_id"] == meter.meter_id)
        replacing = st.session_state.get("replacing") == meter.meter_id
        if accepted and not asking and not replacing:
            # Done: the receipt alone, without the form and its tip (which read as if the reading were still
            # to be sent); the form comes back if the consumer chooses to send another one instead.
            st.button(
                tr("readings.replace"),
                key=f"replace_{meter.meter_id}",
                icon=":material/edit:",
                on_click=replace,
                args=(meter.meter_id,),
            )
            continue
        if meter.in_window_value is not None and not asking:
            st.caption(tr("readings.already", value=formatting.volume(meter.in_window_value, lang)))
        if meter.meter_id in estimates:
            line = estimates[meter.meter_id]
            st.caption(
                tr(
                    "readings.estimate",
                    closes=last_day,
                    volume=formatting.volume(line.volume, lang),
                    amount=formatting.money(line.amount, lang),
                )
            )
        if asking and pending is not None:
            st.warning(pending["message"])  # one question, with the units, for all that needs confirming
            yes, no = st.columns(2)
            yes.button(
                tr("readings.confirm"),
                key=f"confirm_{meter.meter_id}",
                type="primary",
                width="stretch",
                on_click=submit,
                args=(meter.meter_id, pending["value"], pending["confirm_jump"], pending["confirm_replace"]),
            )
            no.button(tr("readings.cancel"), key=f"cancel_{meter.meter_id}", width="stretch", on_click=cancel)
            continue
        with st.form(f"reading_{meter.meter_id}", clear_on_submit=True):
            st.text_input(
                tr("readings.input"),
                key=f"reading_value_{meter.meter_id}",
                placeholder=formatting.number(EXAMPLE_READING, lang, 3),  # as a reader of `lang` types it
                help=tr("readings.input_help"),
            )
            error = st.session_state.get("reading_error")
            if error and error[0] == meter.meter_id:
                st.error(error[1])
                del st.session_state["reading_error"]
            st.form_submit_button(
                tr("readings.submit"), type="primary", width="stretch", on_click=submit_typed, args=(meter.meter_id,)
            )
