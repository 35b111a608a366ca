#!/usr/bin/env python3
"""Keep the message catalogs (locale/{uk,en}/LC_MESSAGES/messages.po and their compiled .mo) in step.

The msgids are the message keys the code looks up (`account.format`, `staff.overview.title`); the Ukrainian
catalog holds the Ukrainian texts, the English one the English texts. The compiled .mo files are committed, and
tests/unit/test_catalog.py fails when one of them no longer matches its .po.

    scripts/catalog.py add KEY --uk "…" --en "…"   add or change one message in both catalogs, then compile
    scripts/catalog.py import-dict FILE.py|FILE.json|-
                                                  carry over {key: {"uk": …, "en": …}} dictionaries (the old
                                                  style: every top-level dict literal of that shape in a Python
                                                  file, or a JSON object; `-` reads standard input), then compile
    scripts/catalog.py remove KEY                 drop a message from both catalogs, then compile
    scripts/catalog.py extract                    pybabel extract (babel.cfg) into locale/messages.pot, with every
                                                  key of the catalogs kept (keys built at run time, such as
                                                  `service.{name}`, are not literals in the code)
    scripts/catalog.py update                     pybabel update both catalogs from locale/messages.pot (a new
                                                  key arrives with an empty text: `check` lists it until added)
    scripts/catalog.py compile                    compile both .po files into .mo (same bytes as pybabel compile)
    scripts/catalog.py check                      exit 1 when a message lacks a language, the code looks up a key
                                                  no catalog has, or a .mo is stale
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
DOMAIN = "messages"
LANGUAGES = ("uk", "en")
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
KEYWORDS = ("t", "tr", "text", "text_or", "has", "DomainError", "N_")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def load(lang: str) -> Catalog:
    with po_path(lang).open("rb") as file:
        return read_po(file, locale=lang, domain=DOMAIN)


def save(lang: str, catalog: Catalog) -> None:
    catalog.fuzzy = False  # a fuzzy header would make pybabel compile skip the whole catalog
    buffer = io.BytesIO()
    write_po(buffer, catalog, sort_output=True, include_previous=False, no_location=True)
    po_path(lang).write_bytes(buffer.getvalue())


def compiled(lang: str) -> bytes:
    """The .mo bytes of the language's .po, as `pybabel compile` writes them (fuzzy entries left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, load(lang), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for lang in LANGUAGES:
        mo_path(lang).write_bytes(compiled(lang))


def put(entries: dict[str, dict[str, str]]) -> list[str]:
    """Add or change messages in both catalogs; returns what changed, one line each."""
    catalogs = {lang: load(lang) for lang in LANGUAGES}
    changes = []
    for key, texts in entries.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise SystemExit(f"{key}: no text for {', '.join(missing)}")
        for lang in LANGUAGES:
            old = catalogs[lang].get(key)
            if old is None:
                catalogs[lang].add(key, texts[lang])
                changes.append(f"added {key} [{lang}]")
            elif old.string != texts[lang] or old.fuzzy:
                old.string = texts[lang]
                old.flags.discard("fuzzy")
                changes.append(f"changed {key} [{lang}]")
    for lang, catalog in catalogs.items():
        save(lang, catalog)
    compile_all()
    return changes


def dictionaries(source: str) -> dict[str, dict[str, str]]:
    """The {key: {"uk": …, "en": …}} entries of a JSON object or of every top-level dict literal in a Python file
    (read with ast.literal_eval: nothing of the file runs)."""
    content = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    if source.endswith(".json"):
        return json.loads(content)
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(content).body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Dict):
            continue
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            continue
        if literal and all(isinstance(v, dict) and set(v) <= set(LANGUAGES) and "uk" in v for v in literal.values()):
            found.update(literal)
    return found


def code_keys() -> set[str]:
    """The keys the code looks up literally (t("…"), tr("…"), DomainError("…"), …), found as `pybabel extract`
    finds them with babel.cfg."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    with contextlib.redirect_stderr(io.StringIO()):  # its notes on f-strings: lookups built at run time, by design
        found = list(extract_from_dir(ROOT, method_map, options_map, keywords=dict.fromkeys(KEYWORDS)))
    return {
        message
        for _file, _line, message, _comments, _context in found
        if isinstance(message, str) and KEY.fullmatch(message)
    }


def problems() -> list[str]:
    """Messages without a text in one of the languages, keys in one catalog only, keys the code looks up that no
    catalog has, stale or missing .mo files."""
    catalogs = {lang: load(lang) for lang in LANGUAGES}
    keys = {lang: {m.id for m in catalog if m.id} for lang, catalog in catalogs.items()}
    found = [
        f"{key}: only in the {lang} catalog"
        for lang in LANGUAGES
        for other in LANGUAGES
        if other != lang
        for key in sorted(keys[lang] - keys[other])
    ]
    found += [f"{key}: looked up in the code, missing from the catalogs" for key in sorted(code_keys() - keys["uk"])]
    for lang, catalog in catalogs.items():
        found += [
            f"{m.id}: no {lang} text" + (" (fuzzy)" if m.fuzzy else "")
            for m in catalog
            if m.id and (not m.string or m.fuzzy)
        ]
        if not mo_path(lang).exists() or mo_path(lang).read_bytes() != compiled(lang):
            found.append(f"{mo_path(lang).relative_to(ROOT)} does not match its .po: run scripts/catalog.py compile")
    return found


def extract() -> None:
    keywords = [arg for word in KEYWORDS for arg in ("-k", word)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "--no-default-keywords",
            *keywords,
            "--sort-output",
            "--omit-header",
            "--no-location",
            "-o",
            str(TEMPLATE),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
    )
    with TEMPLATE.open("rb") as file:
        template = read_po(file)
    for message in list(template):  # e.g. SQLAlchemy's text("SELECT …") shares a keyword: only keys are msgids
        if message.id and not (isinstance(message.id, str) and KEY.fullmatch(message.id)):
            template.delete(message.id)
    for message in load("uk"):
        if message.id and message.id not in template:
            template.add(message.id)
    with TEMPLATE.open("wb") as file:
        write_po(file, template, sort_output=True, omit_header=True)


def update() -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "update",
            "-i",
            str(TEMPLATE),
            "-d",
            str(LOCALE_DIR),
            "-D",
            DOMAIN,
            "--no-fuzzy-matching",
            "--ignore-pot-creation-date",
        ],
        check=True,
        cwd=ROOT,
    )
    for lang in LANGUAGES:  # the catalogs' own layout (sorted, no source locations) keeps merges small
        save(lang, load(lang))
    compile_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add")
    add.add_argument("key")
    add.add_argument("--uk", required=True)
    add.add_argument("--en", required=True)
    commands.add_parser("import-dict").add_argument("source")
    commands.add_parser("remove").add_argument("key")
    for name in ("extract", "update", "compile", "check"):
        commands.add_parser(name)
    args = parser.parse_args(argv)
    if args.command == "add":
        print("\n".join(put({args.key: {"uk": args.uk, "en": args.en}})) or "unchanged")
    elif args.command == "import-dict":
        print("\n".join(put(dictionaries(args.source))) or "unchanged")
    elif args.command == "remove":
        for lang in LANGUAGES:
            catalog = load(lang)
            catalog.delete(args.key)
            save(lang, catalog)
        compile_all()
    elif args.command == "extract":
        extract()
    elif args.command == "update":
        update()
    elif args.command == "compile":
        compile_all()
    else:
        found = problems()
        print("\n".join(found) or "catalogs complete and compiled")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
