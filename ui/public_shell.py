"""What every consumer screen shows above the page: the language switch, the menu (a row of links that fits a
phone screen) and, with several flats, the account switcher."""

from __future__ import annotations

import streamlit as st

from core.config import demo_mode
from core.consumers import LinkedAccount, set_language
from ui import faults
from ui.public_session import (
    accounts,
    current_login_id,
    follow_redirect,
    language,
    select_account,
    selected_account,
    tr,
)
from ui.public_text import LANGUAGE_NAMES

_SHORT = {"uk": "УКР", "en": "ENG"}


def _language_changed() -> None:
    from ui.resources import sessions

    choice = st.session_state.get("lang_switch") or language()
    st.session_state["lang"] = choice
    st.session_state["lang_chosen"] = True
    login_id = current_login_id()
    if login_id is not None:  # remembered for the next login; with the database down, for this visit only
        faults.run(set_language, sessions(), login_id, choice, quiet=True)


def _account_changed() -> None:
    select_account(st.session_state["account_switch"])


def flat_label(account: LinkedAccount) -> str:
    """The switcher's name of a flat, its flat (or house) number first: a phone cuts a long label at its end, and
    two flats of one building differ only there."""
    if not account.street:  # no parts on record: the address line as it is
        return f"{account.number} · {account.address}"
    if account.flat:
        return tr(
            "switcher.flat", flat=account.flat, street=account.street, building=account.building, number=account.number
        )
    return tr("switcher.house", street=account.street, building=account.building, number=account.number)


def header(menu: list) -> None:
    # The page's language for its script (web/page_shell.py): <html lang>, Streamlit's own words, the cookie.
    st.html(f'<style data-teplo-lang="{language()}"></style>')
    follow_redirect()
    if demo_mode():
        st.warning(tr("demo.mode_banner"), icon=":material/science:")
    st.session_state["lang_switch"] = language()
    top = st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center")
    top.markdown(f"**:material/local_fire_department: {tr('app.title')}**")
    top.segmented_control(
        tr("lang.label"),
        list(LANGUAGE_NAMES),
        key="lang_switch",
        on_change=_language_changed,
        format_func=lambda code: _SHORT.get(code, code),
        label_visibility="collapsed",
    )
    if current_login_id() is None:
        return
    row = st.container(horizontal=True, gap="small")
    for page in menu:
        row.page_link(page, label=page.title, icon=page.icon)
    linked = accounts()
    if len(linked) > 1:
        by_id = {a.account_id: a for a in linked}
        st.session_state["account_switch"] = selected_account().account_id
        st.selectbox(
            tr("switcher.label"),
            list(by_id),
            key="account_switch",
            on_change=_account_changed,
            format_func=lambda account_id: flat_label(by_id[account_id]),
        )
