"""Names of the files the apps hand out: Latin letters, digits, `-`, `_` and one `.` before the extension, with any
Ukrainian word in them (a street, a filter's name) in the official Ukrainian national transliteration.

No pinned package transliterates Ukrainian (Babel does not; the usual `unidecode` and `transliterate` packages
follow other systems: «Гулака» becomes `Gulaka`, not `Hulaka`), so the table is here: the one of the Resolution of
the Cabinet of Ministers of Ukraine No. 55 of 27 January 2010 («Про впорядкування транслітерації українського
алфавіту латиницею»), the system of Ukrainian passports and road signs. Its rules besides the letters:
є, ї, й, ю, я are written ye, yi, y, yu, ya at the start of a word and ie, i, i, iu, ia elsewhere; «зг» is `zgh`
(so it never reads as «ж»); the soft sign and the apostrophe are left out.

A name is made of parts joined by `_`; inside a part, anything that is not a Latin letter or a digit (a space, a
dot, a slash) becomes one `-`: `file_name("bez-pokazan", "період 2026-11", "вулиця вул. Гулака-Артемовського")`
is `bez-pokazan_period-2026-11_vulytsia-vul-Hulaka-Artemovskoho.csv`.
"""

from __future__ import annotations

import re
import unicodedata

# The letters' Latin form (lower case) inside a word; those of _WORD_START differ at the start of a word.
_LETTERS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
}
_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_PAIRS = {"зг": "gh"}  # the second letter's form after the first: Згорани -> Zghorany
# The apostrophe of «м'ята», as typed (U+0027), as the standard writes it (U+02BC) and the typographic one (U+2019).
APOSTROPHES = frozenset("'\u02bc\u2019")

MAX_LENGTH = 150  # characters before the extension: far below what any file system or browser refuses
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def latin(text: str) -> str:
    """`text` with its Ukrainian letters in the national transliteration (KMU 2010); every other character kept.

    Case follows the source: a capital becomes a capital (`Щука` -> `Shchuka`), a word in capitals stays in
    capitals (`ЩУКА` -> `SHCHUKA`)."""
    text = unicodedata.normalize("NFC", text)  # «й» typed as «и» and a breve is one letter
    out: list[str] = []
    in_word = False  # a letter came before, in this word (an apostrophe inside a word does not end it)
    previous = ""
    for index, char in enumerate(text):
        lower = char.lower()
        if lower in _LETTERS:
            if previous + lower in _PAIRS:
                latin_form = _PAIRS[previous + lower]
            elif not in_word and lower in _WORD_START:
                latin_form = _WORD_START[lower]
            else:
                latin_form = _LETTERS[lower]
            out.append(_cased(latin_form, text, index) if char != lower else latin_form)
            in_word, previous = True, lower
        elif char in APOSTROPHES and in_word:
            pass  # left out; «з'г» is written as «зг» is, or it would read as «ж»
        else:
            out.append(char)
            in_word, previous = char.isalpha(), lower
    return "".join(out)


def _cased(latin_form: str, text: str, index: int) -> str:
    """The Latin form of the capital at `index`: all in capitals in a word in capitals, else only its first letter
    (`Жук` -> `Zhuk`, `ЖУК` -> `ZHUK`; the letter beside it in the word tells: the next one, else the one before)."""
    if len(latin_form) < 2:
        return latin_form.upper()
    beside = _letter_beside(text, index, 1) or _letter_beside(text, index, -1)
    return latin_form.upper() if beside.isupper() else latin_form.capitalize()


def _letter_beside(text: str, index: int, step: int) -> str:
    """The letter next to `index` in its word (towards `step`), across apostrophes; "" at the word's end."""
    index += step
    while 0 <= index < len(text) and text[index] in APOSTROPHES:
        index += step
    return text[index] if 0 <= index < len(text) and text[index].isalpha() else ""


def safe_part(text: str) -> str:
    """One part of a file name: transliterated, accents dropped, and each run of other characters one `-`."""
    decomposed = unicodedata.normalize("NFKD", latin(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UNSAFE.sub("-", plain).strip("-")


def file_name(*parts: str, extension: str = "csv") -> str:
    """The parts (a stem, then what the file holds: a period, filters) as one safe file name; an empty part is left
    out. `extension` without its dot."""
    stem = "_".join(part for part in map(safe_part, parts) if part) or "file"
    return f"{stem[:MAX_LENGTH].rstrip('_-')}.{safe_part(extension) or 'bin'}"
