"""The message catalogs (locale/): complete in both languages, compiled, and used per call in each language."""

from __future__ import annotations

import re
import threading

from babel.messages.pofile import read_po
from babel.support import Translations

from core import i18n
from scripts import catalog


def _messages(lang: str):
    with catalog.po_path(lang).open("rb") as file:
        return {m.id: m for m in read_po(file) if m.id}


def test_every_msgid_has_a_translation_in_both_languages():
    uk, en = _messages("uk"), _messages("en")
    assert len(uk) > 300
    assert set(uk) == set(en)
    untranslated = [
        (lang, key)
        for lang, messages in (("uk", uk), ("en", en))
        for key, m in messages.items()
        if not m.string or m.fuzzy
    ]
    assert untranslated == []


def test_placeholders_agree_between_the_languages():
    """A {placeholder} only one language has would raise (or show braces) when the message is filled in."""
    uk, en = _messages("uk"), _messages("en")
    fields = re.compile(r"\{(\w*)[^{}]*\}")
    differ = [key for key in uk if set(fields.findall(uk[key].string)) != set(fields.findall(en[key].string))]
    assert differ == []


def test_the_committed_mo_files_match_the_po_files():
    assert catalog.problems() == []


def test_lookup_follows_the_callers_language_and_fills_placeholders():
    assert i18n.t("amount.too_large", "uk", maximum="5 ₴") == "Сума завелика: не більше 5 ₴."
    assert i18n.t("amount.too_large", "en", maximum="5 ₴") == "The amount is too large: at most 5 ₴."
    assert i18n.t("account.format", "de") == i18n.t("account.format", "uk")  # unknown language: Ukrainian


def test_two_threads_in_different_languages_each_see_their_own():
    seen: dict[str, set[str]] = {"uk": set(), "en": set()}

    def read(lang: str) -> None:
        for _ in range(2000):
            seen[lang].add(i18n.t("amount.empty", lang))

    threads = [threading.Thread(target=read, args=(lang,)) for lang in ("uk", "en", "uk", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"uk": {"Введіть суму."}, "en": {"Enter the amount."}}


def test_import_dict_carries_over_the_old_dictionaries(tmp_path, monkeypatch):
    """The converter for texts still written in the old style: {key: {"uk": …, "en": …}} in a Python file."""
    real = {lang: catalog.po_path(lang).read_bytes() for lang in catalog.LANGUAGES}
    locale = tmp_path / "locale"
    for lang in catalog.LANGUAGES:
        (locale / lang / "LC_MESSAGES").mkdir(parents=True)
        (locale / lang / "LC_MESSAGES" / "messages.po").write_bytes(catalog.po_path(lang).read_bytes())
    monkeypatch.setattr(catalog, "LOCALE_DIR", locale)
    source = tmp_path / "old.py"
    source.write_text(
        'TEXT = {\n    "reminder.due": {"uk": "Подайте показання до {day}.",\n'
        '                     "en": "Submit your reading by {day}."},\n}\n',
        encoding="utf-8",
    )
    assert catalog.main(["import-dict", str(source)]) == 0
    assert catalog.problems() == []
    english = Translations.load(locale, ["en"], "messages")
    assert english.gettext("reminder.due").format(day="25.11") == "Submit your reading by 25.11."
    assert english.gettext("account.format") == i18n.t("account.format", "en")
    monkeypatch.undo()
    assert {lang: catalog.po_path(lang).read_bytes() for lang in catalog.LANGUAGES} == real


def test_every_key_the_code_looks_up_is_in_the_catalogs(tmp_path, monkeypatch):
    keys = catalog.code_keys()
    assert {"staff.overview.debt", "account.format", "fault.unavailable"} <= keys  # tr(), DomainError(), N_()
    # A page looking up a key nobody added is reported.
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "new.py").write_text('st.title(tr("staff.new_page.title"))\n', encoding="utf-8")
    (tmp_path / "babel.cfg").write_bytes((catalog.ROOT / "babel.cfg").read_bytes())
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    assert catalog.code_keys() == {"staff.new_page.title"}
    assert "staff.new_page.title: looked up in the code, missing from the catalogs" in catalog.problems()


def test_every_explore_choice_has_a_label_in_both_languages():
    """The explorer's datasets name their dimensions, measures and columns only; the page reads the labels from
    the catalog, so a new one without its two texts would show its key."""
    from core.explore import DATASETS
    from core.i18n import t

    CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")
    keys = [
        f"staff.explore.{name}.{kind}.{choice}"
        for name, spec in DATASETS.items()
        for kind in ("dimensions", "measures", "columns")
        for choice in getattr(spec, kind)
    ]
    assert len(keys) > 60
    for key in keys:
        assert key not in (t(key, "uk"), t(key, "en")) and not CYRILLIC.search(t(key, "en")), key
