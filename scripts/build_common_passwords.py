#!/usr/bin/env python3
"""Build core/common_passwords.txt, the blocklist of the password policy (NIST SP 800-63B), reproducibly.

Sources, each taken from a pinned package on PyPI and checked against its SHA-256:
  * Django 5.2.8, django/contrib/auth/common-passwords.txt.gz: 20,000 common passwords created by Royce Williams
    (lowercased, deduplicated); Django is BSD-3-Clause licensed.
  * zxcvbn 4.5.0 (Python port of Dropbox's zxcvbn), zxcvbn/frequency_lists.py, list "passwords": the 30,000 most
    frequent passwords of Xato's 10-million-password corpus; zxcvbn is MIT licensed (c) 2016 Daniel Wolf,
    (c) 2012-2016 Dan Wheeler and Dropbox, Inc.
  * Generated here: every Latin entry of the first 10,000 of each list as typed on the Ukrainian and Russian
    (ЙЦУКЕН) layouts ("qwerty" -> "йцукен", "password" -> "зфііцщкв"/"зфыыцщкв"), and common Ukrainian and
    Russian password words (below) in Cyrillic, typed on the Latin layout ("пароль" -> "gfhjkm") and
    transliterated ("parol", "kokhannia"), each alone and with the usual endings (123, 2024, !, ...).

Usage:  python scripts/build_common_passwords.py [--wheels DIR]
Without --wheels the two wheels are fetched with `pip download` into a temporary folder. The output is sorted,
so a rebuild from the same inputs gives the same file.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "core" / "common_passwords.txt"
LICENCES = OUTPUT.with_name("common_passwords.LICENSES.txt")

WHEELS = {
    "django": (
        "django==5.2.8",
        "django-5.2.8-py3-none-any.whl",
        "37e687f7bd73ddf043e2b6b97cfe02fcbb11f2dbb3adccc6a2b18c6daa054d7f",
    ),
    "zxcvbn": (
        "zxcvbn==4.5.0",
        "zxcvbn-4.5.0-py2.py3-none-any.whl",
        "2b6eed621612ce6d65e6e4c7455b966acee87d0280e257956b1f06ccc66bd5ff",
    ),
}
LAYOUT_SOURCE_TOP = 10_000

# US QWERTY key -> the letter the same key types on the Ukrainian and the Russian layout.
_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./"
_UKRAINIAN = "'йцукенгшщзхїфівапролджєячсмитьбю."
_RUSSIAN = "ёйцукенгшщзхъфывапролджэячсмитьбю."
TO_UKRAINIAN = dict(zip(_QWERTY, _UKRAINIAN))
TO_RUSSIAN = dict(zip(_QWERTY, _RUSSIAN))
TO_LATIN = {**{v: k for k, v in TO_RUSSIAN.items()}, **{v: k for k, v in TO_UKRAINIAN.items()}, "ґ": "\\"}

# Two common romanisations: the Ukrainian national one (2010, without the word-initial forms) and the informal
# one people use for Russian words; both are applied to every word.
_UK_LATIN = {
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
    "'": "",
    "ё": "e",
    "ъ": "",
    "ы": "y",
    "э": "e",
}
_INFORMAL_LATIN = {
    **_UK_LATIN,
    "г": "g",
    "и": "i",
    "й": "y",
    "х": "h",
    "щ": "sch",
    "ю": "yu",
    "я": "ya",
    "є": "ye",
    "ї": "yi",
    "ё": "yo",
}

# Words people make passwords of, in Ukrainian and Russian (names, love, places, pets, football, the obvious).
CYRILLIC_WORDS = """
пароль мійпароль мойпароль новийпароль новыйпароль секрет доступ вхід вход логін логин адмін админ
адміністратор администратор користувач пользователь привіт привет кохання кохаю любов любовь люблю
люблютебе коханий кохана любимый любимая сонечко солнышко зайчик зайка котик кошечка киця рибка рыбка
ангел ангелочек малыш малятко ластівка ласточка квітка цветочек мама мамочка папа тато батько бабуся
дідусь сім'я семья родина україна украина київ киев львів львов харків харьков одеса одесса дніпро
луцьк луцк волинь тепло луцьктепло опалення отопление квартира будинок дом наташа наталія наталья олена
елена оксана ірина ирина тетяна татьяна світлана светлана юлія юлия марина анна ганна андрій андрей
олександр александр саша сашка сергій сергей володимир владимир вова дмитро дмитрий діма дима максим
іван иван микола николай олег віктор виктор марія мария катерина екатерина катя настя анастасія
анастасия богдан тарас ярослав денис роман павло павел юрій юрий слава славаукраїні героямслава
батьківщина свобода воля мир весна літо лето зима осінь осень сонце солнце небо море зірка звезда
щастя счастье мрія мечта надія надежда віра вера кішка кошка собака пес тигр тигра дракон чемпіон
чемпион футбол динамо шахтар шахтер карпати козак калина вишня компютер компьютер інтернет интернет
телефон робота работа школа студент москва россия
йцукен йцукенгшщз фывапролдж фівапролдж ячсмить ячсмитьбю
"""
# Latin-script words of this utility and its city, not in the lists above.
LATIN_WORDS = ["ukraine", "ukraina", "kyiv", "kiev", "lutsk", "luck", "lutskteplo", "luckteplo", "teplo", "volyn"]
ENDINGS = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "1111",
    "777",
    "007",
    "!",
    "01",
    "2000",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
]


def _wheel(folder: Path, name: str) -> Path:
    requirement, filename, sha256 = WHEELS[name]
    path = folder / filename
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                requirement,
                "-d",
                str(folder),
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{filename}: SHA-256 {digest} is not the pinned {sha256}")
    return path


def licence(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [
            n for n in archive.namelist() if n.split("/")[-1] in ("LICENSE", "LICENSE.txt") and ".dist-info/" in n
        ]
        return archive.read(name).decode("utf-8").strip()


def django_passwords(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        text = gzip.decompress(archive.read("django/contrib/auth/common-passwords.txt.gz")).decode("utf-8")
    # Drop the list's few entries that are mojibake of U+FFFD ("пїѕ" is EF BF BD read as Windows-1251).
    return [line.strip() for line in text.splitlines() if line.strip() and "пїѕ" not in line]


def zxcvbn_passwords(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("zxcvbn/frequency_lists.py").decode("utf-8")
    # Read as data, never executed: FREQUENCY_LISTS = {"passwords": "123456,password,...".split(","), ...}
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Dict)
            and getattr(node.targets[0], "id", "") == "FREQUENCY_LISTS"
        ):
            for key, value in zip(node.value.keys, node.value.values):
                if key is not None and ast.literal_eval(key) == "passwords":
                    call = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    text = value.func.value if call else value  # type: ignore[attr-defined]
                    return ast.literal_eval(text).split(",")
    raise SystemExit("zxcvbn/frequency_lists.py has no 'passwords' list")


def typed_on(layout: dict[str, str], word: str) -> str:
    return "".join(layout.get(char, char) for char in word)


def romanised(word: str) -> set[str]:
    return {"".join(table.get(char, char) for char in word) for table in (_UK_LATIN, _INFORMAL_LATIN)}


def keyboard_variants(words: list[str]) -> set[str]:
    """Latin passwords as typed with a Cyrillic layout switched on."""
    out = set()
    for word in words:
        if any(char in TO_UKRAINIAN for char in word if char.isalpha()):
            out.add(typed_on(TO_UKRAINIAN, word))
            out.add(typed_on(TO_RUSSIAN, word))
    return out


def cyrillic_variants() -> set[str]:
    out: set[str] = set()
    for word in CYRILLIC_WORDS.split():
        forms = {word, word.replace("'", ""), typed_on(TO_LATIN, word)} | romanised(word)
        out.update(form + ending for form in forms for ending in ENDINGS)
    out.update(word + ending for word in LATIN_WORDS for ending in ENDINGS)
    return out


def build(folder: Path) -> tuple[list[str], dict[str, int]]:
    django = django_passwords(_wheel(folder, "django"))
    zxcvbn = zxcvbn_passwords(_wheel(folder, "zxcvbn"))
    # An entry starting with '#' would read as a header line.
    layouts = keyboard_variants(django[:LAYOUT_SOURCE_TOP] + zxcvbn[:LAYOUT_SOURCE_TOP])
    cyrillic = cyrillic_variants()
    entries = {
        word.lower()
        for word in (*django, *zxcvbn, *layouts, *cyrillic)
        if word.strip() == word and word and not word.startswith("#")
    }
    counts = {"django": len(django), "zxcvbn": len(zxcvbn), "layouts": len(layouts), "cyrillic": len(cyrillic)}
    return sorted(entries), counts


def header(total: int, counts: dict[str, int]) -> list[str]:
    return [
        f"# Common passwords refused by core.passwords.check_policy: {total} entries, lowercase, sorted.",
        "# Generated by scripts/build_common_passwords.py; do not edit by hand, change the script and rebuild.",
        f"# Sources: Django 5.2.8 (PyPI) django/contrib/auth/common-passwords.txt.gz, {counts['django']} passwords",
        "#   created by Royce Williams; Django: BSD-3-Clause, (c) Django Software Foundation and contributors.",
        f"# zxcvbn 4.5.0 (PyPI) frequency_lists 'passwords', {counts['zxcvbn']} passwords from Xato's corpus;",
        "#   zxcvbn: MIT License, (c) 2016 Daniel Wolf. Both licences in full: common_passwords.LICENSES.txt.",
        f"# Generated: the first {LAYOUT_SOURCE_TOP} of each list typed on the Ukrainian and Russian layouts "
        f"({counts['layouts']});",
        "#   Ukrainian and Russian password words in Cyrillic, typed on the Latin layout and transliterated, with",
        f"#   common endings ({counts['cyrillic']}).",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="a folder that holds (or receives) the two pinned wheels")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.wheels or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        entries, counts = build(folder)
        licences = [
            "common_passwords.txt is built from lists shipped in these packages; their licences follow.",
            "",
            "=== Django 5.2.8 (django/contrib/auth/common-passwords.txt.gz) ===",
            "",
            licence(_wheel(folder, "django")),
            "",
            "=== zxcvbn 4.5.0 (zxcvbn/frequency_lists.py) ===",
            "",
            licence(_wheel(folder, "zxcvbn")),
        ]
    args.output.write_text("\n".join(header(len(entries), counts) + entries) + "\n", encoding="utf-8")
    args.output.with_name(LICENCES.name).write_text("\n".join(licences) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(entries)} entries ({counts})")


if __name__ == "__main__":
    main()
