"""Imports: upload a bank registry, a billing charges file or the water utility's readings, or the register
(accounts, meters, tariffs and norms); preview, then commit."""

import streamlit as st

from core import import_formats, imports, register_import, register_parsing
from core.config import settings
from core.errors import DomainError
from core.import_parsing import MAX_BYTES
from ui import conflict_view, staff_data
from ui import staff_view as view
from ui.plain import md
from ui.resources import sessions
from ui.staff_access import require_role
from ui.staff_text import Names, language, tr

user = require_role("imports")
st.title(tr("staff.page.imports"))

KINDS = Names("staff.imports.kind.", ("bank", "charges", "readings", "accounts", "meters", "tariffs"))


def _kind_kept() -> None:
    """A click on the chosen kind would unselect it, leaving no kind lit while the page still imports one."""
    if st.session_state["import_kind"] is None:
        st.session_state["import_kind"] = st.session_state.get("import_kind_before", "bank")
    st.session_state["import_kind_before"] = st.session_state["import_kind"]


kind = (
    st.segmented_control(
        tr("staff.imports.what"),
        list(KINDS),
        default="bank",
        format_func=lambda code: KINDS[code],
        key="import_kind",
        on_change=_kind_kept,
    )
    or "bank"
)
register = kind in register_parsing.KINDS
st.caption(tr("staff.imports.format_register") if register else tr("staff.imports.format"))
if register:
    st.caption(tr("staff.imports.register_order"))


def _code(text: str) -> str:
    return f"`{text}`"


# Open until a file is chosen: then the preview comes first.
with st.expander(tr("staff.imports.columns", kind=KINDS[kind]), expanded=not st.session_state.get(f"upload_{kind}")):
    st.table(
        [
            {
                tr("staff.imports.col_name"): _code(c.name),
                tr("staff.imports.col_holds"): md(tr(c.description_key)),
                tr("staff.imports.col_example"): _code(c.example) if c.example else tr("staff.imports.example_empty"),
                tr("staff.imports.col_required"): tr("staff.yes") if c.required else tr("staff.no"),
                tr("staff.imports.col_other_names"): ", ".join(map(_code, c.other_names)),
            }
            for c in import_formats.columns(kind)
        ],
        hide_index=True,
    )
    st.caption(tr("staff.imports.columns_help"))
    sample = import_formats.sample(kind)
    st.download_button(
        tr("staff.imports.sample", file=sample.name),
        sample.data,
        on_click="ignore",
        file_name=sample.name,
        mime="text/csv",
        icon=":material/download:",
        key=f"sample_{kind}",
    )
# The uploader states and enforces the import's own limit (Streamlit's default is 200 MB, four times what it takes).
upload = st.file_uploader(
    tr("staff.imports.file"), type=["csv", "txt"], key=f"upload_{kind}", max_upload_size=MAX_BYTES // 2**20
)
if upload is None:
    staff_data.forget_file_preview()
    st.stop()
data, file_name = upload.getvalue(), upload.name
module = register_import if register else imports

try:
    result = staff_data.file_preview(module.preview, kind, upload.name, data)
except DomainError as error:
    st.error(error.message(language()))
    st.stop()

st.subheader(tr("staff.imports.preview"))
if register:
    st.caption(
        tr(
            "staff.imports.encoding_rows",
            encoding=md(result.encoding),
            delimiter=md(result.delimiter),
            rows=result.rows_total,
        )
    )
else:
    st.caption(tr("staff.imports.encoding", encoding=md(result.encoding), delimiter=md(result.delimiter)))
    total = (
        view.number(result.file_total, 3) + tr("staff.m3_suffix")
        if kind == "readings"
        else view.money(result.file_total)
    )
    file_total = {  # what the file's total is checked against: the bank's statement, billing's total, a letter
        "bank": "staff.imports.file_total",
        "charges": "staff.imports.file_total_charges",
        "readings": "staff.imports.file_total_readings",
    }[kind]
    st.write(tr(file_total, rows=view.number(result.rows_total), total=total))
    if result.trailer is not None:
        places = 3 if kind == "readings" else 2
        if result.trailer.total is None:
            st.success(tr("staff.imports.trailer", line=result.trailer.line, rows=view.number(result.trailer.rows)))
        else:
            st.success(
                tr(
                    "staff.imports.trailer_total",
                    line=result.trailer.line,
                    rows=view.number(result.trailer.rows),
                    total=view.number(result.trailer.total, places),
                )
            )
if result.imported_before:
    st.warning(tr("staff.imports.imported_before", at=view.moment(result.imported_before)))
if not register and result.truncated:
    st.error(tr("staff.imports.truncated"))
if not register and (large := result.payments_above(settings().max_payment)):
    st.warning(
        tr("staff.imports.large_payments", limit=view.money(settings().max_payment), count=view.number(len(large)))
        + "; ".join(
            tr("staff.imports.large_payment", line=row["line"], amount=view.money(row["amount"])) for row in large[:20]
        )
        + (" …" if len(large) > 20 else "")
    )
c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("staff.imports.to_add"), view.number(result.rows_added))
if register:
    c2.metric(tr("staff.imports.to_change"), view.number(result.rows_changed))
    c3.metric(tr("staff.imports.unchanged"), view.number(len(result.unchanged)))
else:
    c2.metric(tr("staff.imports.duplicates"), view.number(len(result.duplicates)))
    c3.metric(tr("staff.imports.conflicts"), view.number(len(result.conflicts)))
c4.metric(tr("staff.imports.rejected"), view.number(len(result.rejected)))


def _file_list(items: list, record, key: str, what: str, download: str, csv_stem: str, download_key=None) -> None:
    """A list of the file's rows (rejected, changed, in conflict) as a capped table, a longer one also as a CSV
    (`download`: its button's label; `csv_stem`: the start of the CSV's name, the imported file's name follows)."""
    view.capped_table(items, record, key=key, what=what)
    if len(items) > view.SHOWN_ROWS:
        filters = {tr("staff.filter.file"): file_name}
        view.list_download(
            download, items, record, filters, file_name=view.file_name(csv_stem, filters), key=download_key
        )


if result.rejected:

    def rejected_record(r) -> dict:
        return {tr("staff.imports.line"): r.line, tr("staff.col.reason"): r.message(language())}

    what, count = tr("staff.what.rejected"), view.number(len(result.rejected))
    download = tr("staff.imports.download_rejected", count=count)
    _file_list(result.rejected, rejected_record, "rejected", what, download, "vidkhyleni-riadky")
if register and result.changes:

    def change_record(c) -> dict:
        return {
            tr("staff.imports.line"): c["line"],
            tr("staff.imports.record"): c["key"],
            tr("staff.imports.changes"): register_import.describe_change(c["fields"], language()),
        }

    what, count = tr("staff.what.changed"), view.number(len(result.changes))
    download = tr("staff.imports.download_changes", count=count)
    _file_list(result.changes, change_record, "changes", what, download, "zminy", "changes_csv")
if not register and result.conflicts:
    st.warning(tr("staff.imports.conflicts_help"))
    what, count = tr("staff.what.conflicts"), view.number(len(result.conflicts))
    download = tr("staff.imports.download_conflicts", count=count)
    _file_list(
        result.conflicts, conflict_view.row, "preview_conflicts", what, download, "konflikty-failu", "conflicts_csv"
    )
if not register and result.duplicates:
    st.caption(
        tr("staff.imports.duplicate_lines")
        + ", ".join(str(n) for n in result.duplicates[:100])
        + (" …" if len(result.duplicates) > 100 else "")
    )
if result.to_add:
    with st.expander(tr("staff.imports.rows_to_add", count=min(50, result.rows_added))):
        st.dataframe(
            [
                {k: view.number(v, 3) if k in ("value", "volume", "consumption") else v for k, v in row.items()}
                for row in result.to_add[:50]
            ],
            hide_index=True,
        )

changing = result.rows_added + (result.rows_changed if register else len(result.conflicts))
with st.form("commit_import"):
    if register:
        st.write(
            tr(
                "staff.imports.confirm_register",
                file=md(upload.name),
                added=view.number(result.rows_added),
                changed=view.number(result.rows_changed),
            )
        )
    else:
        st.write(tr("staff.imports.confirm", file=md(upload.name), added=view.number(result.rows_added)))
    go = st.form_submit_button(tr("staff.imports.import"), type="primary", disabled=changing == 0)
if go:
    try:
        done = module.commit(sessions(), kind, upload.name, data, actor=user.username)
    except DomainError as error:
        st.error(error.message(language()))
    else:
        staff_data.clear()
        if register:
            st.success(
                tr(
                    "staff.imports.done_register",
                    added=view.number(done.rows_added),
                    changed=view.number(done.rows_changed),
                    unchanged=len(done.unchanged),
                    rejected=len(done.rejected),
                    batch=done.batch_id,
                )
            )
        else:
            st.success(
                tr(
                    "staff.imports.done",
                    added=view.number(done.rows_added),
                    duplicates=len(done.duplicates),
                    rejected=len(done.rejected),
                    conflicts=len(done.conflicts),
                    batch=done.batch_id,
                )
            )
            if done.conflicts:
                st.page_link(
                    "pages/staff/conflicts.py",
                    label=tr("staff.imports.review_conflicts"),
                    icon=":material/rule_settings:",
                )

st.subheader(tr("staff.imports.recent"))
batches = imports.recent_batches(sessions())
if not batches:
    st.caption(tr("staff.imports.none"))
    st.stop()
changed = register_import.changed_rows(sessions(), [b.id for b in batches])
st.dataframe(
    [
        {
            tr("staff.col.number"): b.id,
            tr("staff.imports.type"): KINDS.get(b.kind, b.kind),
            tr("staff.col.file"): b.filename,
            tr("staff.conflicts.when"): view.moment(b.created_at),
            tr("staff.conflicts.who"): b.created_by,
            tr("staff.imports.rows"): b.rows_total,
            tr("staff.lookup.linked"): b.rows_added,
            tr("staff.imports.changed"): changed.get(b.id, 0),
            tr("staff.imports.duplicates_unchanged"): b.rows_duplicate,
            tr("staff.imports.conflicts_count"): b.rows_conflict,
            tr("staff.imports.rejected"): b.rows_rejected,
        }
        for b in batches
    ],
    hide_index=True,
)
