"""Stored and uploaded text (a staff member's name, an address, a file name, a meter number) shown as the
characters it holds, never as Markdown.

Streamlit renders st.markdown, st.caption, st.write, st.subheader, alerts and widget labels as Markdown (with
links, images, colours, icons and LaTeX), so a name like `![t](http://attacker.invalid/t.png)` would make every
viewer's browser fetch an outside image, and `[клік](javascript:…)` would be a link. Where such text stands alone,
pages use st.text; where it sits inside one of our sentences, it goes through `md()`.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark, which then shows it literally. These
# are escaped wherever they stand: links, images, emphasis, code, HTML tags, entities, tables, Streamlit's
# `:colour[...]`/`:material/...:` and `$` (LaTeX).
_ALWAYS = re.compile(r"([!#$&()*+:<>@\[\]\\^_`{|}~])")
# A hyphen, comma, quote, slash, `;`, `?`, `%`, `=` or a number's dot means something only at the start of a line
# (a list, a rule): escaped only there, so order numbers and addresses stay readable in the page's source.
_AT_START = re.compile(r"^(\s*)([-=,'\";?%/]|\d+(?=\.))")
# Streamlit's renderer (GitHub's autolink literals) turns `http://…`, `www.…` and `name@host.tld` into links by
# searching the text after the escapes are gone, so escaping cannot stop it: an invisible WORD JOINER (U+2060)
# between `http`/`www` and what follows, and before `@`, does, and the text reads exactly the same.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(https?|www)(?=\\[:.]|\.)|(?=\\@)")


def md(text: object) -> str:
    """The text as a Markdown fragment that renders as the text (plus invisible word joiners), on one line."""
    flat = _ALWAYS.sub(r"\\\1", " ".join(str(text).splitlines()))
    flat = _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER, flat)
    return _AT_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), flat
    )


def chart_text(text: object) -> str:
    """The text as a Plotly label (axis category, legend, hover) that shows exactly the text: Plotly reads a
    subset of HTML in labels (`<a href=…>`, `<b>`, `<br>`), and decodes entities, so `&`, `<` and `>` become
    entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
