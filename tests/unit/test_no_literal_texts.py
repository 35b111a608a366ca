"""No user-visible text is written into the screens' code: pages/, ui/ and both entrypoints look every sentence up
in the message catalog (locale/), so both apps can show it in Ukrainian and in English. core/ too: what it hands
the screens and the downloads (import reasons, change descriptions, CSV cells, explore labels) is a catalog key
looked up in the caller's language; the few Ukrainian words it keeps on purpose are listed with the reason.

An AST check, not a grep: docstrings and comments are free, and so are keys, file names, CSS and icons. A string
literal is flagged when it holds a Cyrillic letter (a Ukrainian text), or when it holds an English word and is what
a Streamlit element shows (its label, help, placeholder or body).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("pages/**/*.py"), *ROOT.glob("ui/*.py"), ROOT / "public_app.py", ROOT / "staff_dashboard.py"]
)
CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")
WORD = re.compile(r"[A-Za-z]{2,}")
# Streamlit elements whose first argument (or these keywords) the user reads.
SHOWN = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "write",
    "text",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "button",
    "form_submit_button",
    "download_button",
    "link_button",
    "page_link",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "select_slider",
    "segmented_control",
    "file_uploader",
    "metric",
    "expander",
    "tabs",
    "popover",
    "set_page_config",
    "Page",
    "dialog",
    "spinner",
    "status",
    "switch_page",
}
SHOWN_KEYWORDS = {"label", "help", "placeholder", "title", "page_title", "caption", "body"}
# (file, literal) -> why it may stay.
EXCEPTIONS = {
    ("ui/public_text.py", "Українська"): "each language's own name, shown the same in every language (the switcher)",
    ("ui/staff_text.py", "Українська"): "each language's own name, shown the same in every language (the switcher)",
    ("ui/public_shell.py", "УКР"): "the short own name of Ukrainian on the cabinet's switcher (beside ENG), the same "
    "in every language",
}
CORE_FILES = sorted(ROOT.glob("core/*.py"))
# (file, top-level name holding the literal: a constant, function or class) -> why it stays Ukrainian.
CORE_EXCEPTIONS = {
    ("core/import_parsing.py", "COLUMNS"): "the Ukrainian column headers a bank or billing file may use (read, "
    "never shown)",
    ("core/import_parsing.py", "TRAILER_MARKERS"): "the Ukrainian words a file's trailer line may start with (read)",
    ("core/import_parsing.py", "SERVICE_NAMES"): "the Ukrainian service names a file may write (read)",
    ("core/register_parsing.py", "COLUMNS"): "the Ukrainian column headers a register file may use (read)",
    ("core/register_parsing.py", "YES"): "the Ukrainian yes a register file may write (read)",
    ("core/register_parsing.py", "NO"): "the Ukrainian no a register file may write (read)",
    ("core/register_parsing.py", "OPEN"): "the Ukrainian account states a register file may write (read)",
    ("core/register_parsing.py", "CLOSED"): "the Ukrainian account states a register file may write (read)",
    ("core/register_parsing.py", "address_of"): "the stored address line (`вул. …, 5, кв. 3`) is data, shown as "
    "stored in every language like the street itself",
    ("core/lookup.py", "FLAT_WORDS"): "the words staff type before a flat number in a look-up (read, never shown)",
    ("core/lookup.py", "HOUSE_WORDS"): "the words staff type before a house number in a look-up (read, never shown)",
    ("core/parsing.py", "_UNIT"): "the units people type after a figure (грн, м³), read in either language",
    ("core/payment_qr.py", "qr_purpose"): "the payment purpose in the NBU QR code goes to a Ukrainian bank "
    "statement, in Ukrainian whatever the consumer's language",
    ("core/payment_providers.py", "description"): "the payment description LiqPay puts on the bank statement, in "
    "Ukrainian whatever the consumer's language",
    ("core/payment_providers.py", "DemoProvider"): "the demo provider's err_description stands in for LiqPay's "
    "own text, which is stored as received (data, not a message)",
    ("core/file_names.py", "_LETTERS"): "the Ukrainian alphabet of the national transliteration table (KMU 2010), "
    "read to write file names in Latin letters, never shown",
    ("core/file_names.py", "_WORD_START"): "the letters the transliteration writes otherwise at a word's start (read)",
    ("core/file_names.py", "_PAIRS"): "«зг» of the transliteration table (read)",
    ("core/deployment.py", "check_database"): "an English line for the operator's console that names the staff "
    "page «Користувачі» as the (Ukrainian by default) dashboard shows it",
}
LOGGERS = {"LOG", "log", "logger", "logging"}  # log lines are for operators, in English, never shown on screen
PAGE_PATH_FIRST = {"page_link", "Page", "switch_page"}  # their first argument is a page, not a text
DIRECTIVE = re.compile(r":material/[a-z_]+:|:[a-z]+-badge\[")  # Streamlit markdown icons and badges


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _pieces(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    return []


def _shown_arguments(call: ast.Call) -> list[ast.AST]:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in SHOWN or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in LOGGERS
    ):
        return []
    first = [] if name in PAGE_PATH_FIRST else call.args[:1]
    return [*first, *(k.value for k in call.keywords if k.arg in SHOWN_KEYWORDS)]


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT).as_posix()
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and CYRILLIC.search(node.value)
            and (relative, node.value) not in EXCEPTIONS
        ):
            found.append(f"{relative}:{node.lineno}: {node.value!r}")
        if isinstance(node, ast.Call):
            for argument in _shown_arguments(node):
                for piece in _pieces(argument):
                    if (
                        WORD.search(DIRECTIVE.sub("", piece))
                        and not CYRILLIC.search(piece)
                        and (relative, piece) not in EXCEPTIONS
                    ):
                        found.append(f"{relative}:{node.lineno}: {piece!r} (shown by {ast.unparse(node.func)})")
    return found


def _top_level_names(tree: ast.Module) -> dict[int, str]:
    """id of every node -> the name of the top-level constant, function or class it sits in."""
    names: dict[int, str] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = statement.name
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            name = ",".join(ast.unparse(target) for target in targets)
        else:
            name = ""
        names.update((id(node), name) for node in ast.walk(statement))
    return names


def core_violations(path: Path) -> list[str]:
    """Cyrillic string literals in a core module, outside docstrings and the listed exceptions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT).as_posix()
    skip, scopes = _docstrings(tree), _top_level_names(tree)
    return [
        f"{relative}:{node.lineno}: {node.value!r} (in {scopes.get(id(node)) or 'module'})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CYRILLIC.search(node.value)
        and (relative, scopes.get(id(node), "")) not in CORE_EXCEPTIONS
    ]


def test_no_ukrainian_literal_in_core_beyond_the_listed_ones():
    assert len(CORE_FILES) > 30
    found = [line for path in CORE_FILES for line in core_violations(path)]
    assert found == [], "\n".join(found)


def test_the_core_check_finds_a_ukrainian_reason_and_spares_a_listed_table(tmp_path):
    global ROOT
    (tmp_path / "core").mkdir()
    module = tmp_path / "core" / "import_parsing.py"
    module.write_text(
        '"""Docstrings are free: так."""\nCOLUMNS = {"amount": ("amount", "сума")}\n'
        'def reason(value):\n    """Free too: ні."""\n    return f"Сума {value} — не число"\n',
        encoding="utf-8",
    )
    saved, ROOT = ROOT, tmp_path
    try:
        found = core_violations(module)
    finally:
        ROOT = saved
    assert found == [
        "core/import_parsing.py:5: 'Сума ' (in reason)",
        "core/import_parsing.py:5: ' — не число' (in reason)",
    ]


def test_every_core_exception_is_still_needed():
    used = set()
    for path in CORE_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative, skip, scopes = path.relative_to(ROOT).as_posix(), _docstrings(tree), _top_level_names(tree)
        used |= {
            (relative, scopes.get(id(node), ""))
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and CYRILLIC.search(node.value)
        }
    assert set(CORE_EXCEPTIONS) <= used, set(CORE_EXCEPTIONS) - used


def test_no_user_visible_literal_in_pages_ui_or_entrypoints():
    assert len(FILES) > 30
    found = [line for path in FILES for line in violations(path)]
    assert found == [], "\n".join(found)


def test_the_check_finds_a_ukrainian_and_an_english_literal(tmp_path):
    """The check itself can fail: a page with a literal title and a literal English button is caught."""
    global ROOT
    page = tmp_path / "page.py"
    page.write_text(
        '"""Docstrings are free: Огляд."""\nimport streamlit as st\nst.title("Огляд")\n'
        'st.button("Save", key="save_button")\nst.button(tr("save"), icon=":material/save:")\n'
        'st.page_link("pages/public/pay.py", label=tr("nav.pay"))\nLOG.warning("database down: %s", 1)\n',
        encoding="utf-8",
    )
    saved, ROOT = ROOT, tmp_path
    try:
        found = violations(page)
    finally:
        ROOT = saved
    assert sorted(found) == ["page.py:3: 'Огляд'", "page.py:4: 'Save' (shown by st.button)"]


def test_every_exception_is_still_needed():
    used = set()
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        used |= {
            (file, literal)
            for file, literal in EXCEPTIONS
            if path.relative_to(ROOT).as_posix() == file and repr(literal)[1:-1] in text
        }
    assert set(EXCEPTIONS) == used
