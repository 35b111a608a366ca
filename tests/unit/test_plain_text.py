"""Stored text shown through Markdown renders as exactly its characters: no link, no image, no formatting."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ui.plain import WORD_JOINER, md

ATTACK = "[клік](javascript:alert(7)) ![t](http://attacker.invalid/t.png)"
# CommonMark with the GitHub extensions Streamlit's renderer also has (tables, strikethrough).
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# GitHub's autolink literals as Streamlit's renderer finds them: in the text left once Markdown is parsed.
AUTOLINK_LITERALS = re.compile(r"(https?://|www(?=\.))[-.\w]+|(?<![-.\w+])[-.\w+]+@[-\w]+(\.[-\w]+)+", re.I)


def rendered_text(source: str) -> tuple[set[str], str]:
    """The kinds of inline elements the Markdown turns into, and the text a reader sees."""
    blocks = RENDERER.parse(source)
    kinds = {token.type for token in blocks if token.type != "inline"}
    inline = [child for token in blocks if token.type == "inline" for child in token.children or []]
    kinds |= {child.type for child in inline}
    return kinds, "".join(child.content for child in inline)


# Text as people and files hold it: letters, digits, spaces and every ASCII punctuation mark, on one line.
line = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
        | st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")),
        min_size=1,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=500)
@given(line)
@example(ATTACK)
@example("- 1. # > ---")
@example("12. вул. Гулака-Артемовського, 20, кв. 1")
@example("<img src=x onerror=alert(1)>")
@example("**жирний** _курсив_ `код` ~~закреслено~~ | a | b |")
@example("&lt; &#60; &amp;")
@example("olena@example.com http://x.ua https://x.ua www.x.ua WWW.X.UA mailto:a@b.cd")
def test_any_text_renders_as_itself_and_nothing_else(text):
    kinds, seen = rendered_text(md(text))
    assert kinds <= {"paragraph_open", "paragraph_close", "text", "text_special"}, (text, kinds)
    assert seen.replace(WORD_JOINER, "") == text
    assert not AUTOLINK_LITERALS.search(seen), seen


def test_the_attack_renders_as_a_link_and_an_image_without_escaping():
    """The renderer used above does see the danger in the raw text (so the test above can fail)."""
    kinds, _seen = rendered_text(ATTACK)
    assert "image" in kinds


def test_streamlit_extensions_are_escaped():
    """Colours, icons and LaTeX have their trigger characters escaped."""
    assert md(":red[x] :material/home: $x^2$") == r"\:red\[x\] \:material/home\: \$x\^2\$"


def test_the_autolink_check_above_can_fail():
    _kinds, seen = rendered_text("olena@example.com www.example.com http://attacker.invalid")
    assert len(AUTOLINK_LITERALS.findall(seen)) == 3
