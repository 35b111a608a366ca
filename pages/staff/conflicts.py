"""Import conflicts: rows whose key is stored with other values; an operator or admin resolves or dismisses each."""

import streamlit as st

from core import conflict_resolution
from core.errors import DomainError
from ui import conflict_view, staff_data
from ui import staff_view as view
from ui.resources import sessions
from ui.staff_access import require_role
from ui.staff_text import Names, language, tr

user = require_role("conflicts")
st.title(tr("staff.page.conflicts"))
st.caption(tr("staff.conflicts.intro"))

if done := st.session_state.pop("conflict_done", None):
    st.success(done)

STATUSES = Names("staff.conflicts.show_", ("open", "resolved", "dismissed"))
status = (
    st.segmented_control(
        tr("staff.conflicts.show"),
        list(STATUSES),
        default="open",
        format_func=lambda code: STATUSES[code],
        key="conflicts_status",
    )
    or "open"
)
conflicts = staff_data.conflicts(status)
if not conflicts:
    st.success(tr("staff.conflicts.none_open") if status == "open" else tr("staff.conflicts.none"))
    st.stop()


def record(c) -> dict:
    entry = {
        tr("staff.col.number"): c.id,
        **conflict_view.row(c),
        tr("staff.col.account"): c.account_number or "",
        tr("staff.col.file"): c.filename,
        tr("staff.conflicts.found"): view.moment(c.created_at),
    }
    if status != "open":
        entry |= {
            tr("staff.conflicts.who"): c.resolved_by or "",
            tr("staff.conflicts.when"): view.moment(c.resolved_at),
            tr("staff.conflicts.note"): c.note or "",
        }
    return entry


matched = view.capped_table(
    conflicts,
    record,
    key=f"conflicts_{status}",
    what=tr("staff.what.conflicts"),
    search_in=lambda c: f"{c.id} {conflict_view.record(c)} {c.key} {c.account_number or ''} {c.filename}",
)
status_filter = {tr("staff.filter.status"): STATUSES[status]}
view.list_download(
    tr("staff.conflicts.download_all", count=view.number(len(conflicts))),
    conflicts,
    record,
    status_filter,
    file_name=view.file_name("konflikty", status_filter),
)
if status != "open" or not matched:
    st.stop()

st.subheader(tr("staff.conflicts.decision"))
view.kept_option("conflict_chosen", matched[: view.SHOWN_ROWS], lambda c: c.id)  # through a language switch too
chosen = st.selectbox(
    tr("staff.conflicts.conflict"),
    matched[: view.SHOWN_ROWS],
    help=tr("staff.conflicts.choose_help"),
    format_func=lambda c: f"№ {c.id} · {conflict_view.KIND_NAMES[c.kind]} · {conflict_view.record(c)}",
    key="conflict_chosen",
)
st.write(tr("staff.conflicts.stored_to_file"))
st.dataframe(conflict_view.comparison(chosen.stored, chosen.incoming), hide_index=True)
fix, drop = st.columns(2)
with fix.form("resolve_conflict"):
    st.caption(tr("staff.conflicts.resolve_help"))
    confirmed = st.checkbox(tr("staff.conflicts.confirm"), key=f"conflict_confirmed_{chosen.id}")
    resolve = st.form_submit_button(tr("staff.conflicts.resolve"), type="primary")
with drop.form("dismiss_conflict"):
    note = st.text_input(tr("staff.conflicts.why"), max_chars=500, key=f"conflict_note_{chosen.id}")
    dismiss = st.form_submit_button(tr("staff.conflicts.dismiss"))

try:
    if resolve:
        if not confirmed:
            st.error(tr("staff.conflicts.confirm_required"))
        else:
            conflict_resolution.resolve(sessions(), chosen.id, actor=user.username)
            staff_data.clear()
            st.session_state["conflict_done"] = tr("staff.conflicts.resolved", id=chosen.id)
            st.rerun()
    elif dismiss:
        conflict_resolution.dismiss(sessions(), chosen.id, actor=user.username, note=note)
        st.session_state["conflict_done"] = tr("staff.conflicts.dismissed", id=chosen.id)
        st.rerun()
except DomainError as error:
    st.error(error.message(language()))
