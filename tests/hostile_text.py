"""Hypothesis strategies for hostile text: what an attacker or a broken feed puts in a field.

Every field that reaches the screen, a log or the audit chain is tested with these. Import with
`from hostile_text import HOSTILE, markup, ...` (tests/ is on the path through its conftest).
"""

from __future__ import annotations

from hypothesis import strategies as st

# Rich text Qt would render if a label guessed its format: a banner, an image, a link, a table.
MARKUP_SAMPLES = (
    '<span style="font-size:40px;color:green">CLEARED BY HQ - RELEASE</span>',
    '<img src="/etc/passwd">',
    '<img src="file:///tmp/evil.png" width=900 height=900>',
    '<a href="http://example.invalid/">click</a>',
    "<b>bold</b><i>italic</i><h1>HEADING</h1>",
    "<table><tr><td>cell</td></tr></table>",
    "<!-- comment --><script>alert(1)</script>",
    "&lt;escaped&gt; &amp; &#x41; &nbsp;",
    "<qt>rich</qt>",
)

# Characters that change how text reads or is stored without being visible.
INVISIBLE = (
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "\u202e",  # right-to-left override
    "\u202d",  # left-to-right override
    "\u2066",  # left-to-right isolate
    "\u00ad",  # soft hyphen
)
CONTROL = tuple(chr(c) for c in (*range(0, 32), 127))

# Letters that look like ASCII ones: Cyrillic, Greek, full-width digits and letters.
LOOK_ALIKES = {
    "A": "\u0410",
    "B": "\u0412",
    "C": "\u0421",
    "E": "\u0415",
    "H": "\u041d",
    "K": "\u041a",
    "M": "\u041c",
    "O": "\u041e",
    "P": "\u0420",
    "T": "\u0422",
    "X": "\u0425",
    "Y": "\u03a5",
    "0": "\uff10",
    "1": "\uff11",
    "5": "\uff15",
    "9": "\uff19",
}

markup = st.one_of(
    st.sampled_from(MARKUP_SAMPLES),
    st.builds(
        lambda tag, text: f"<{tag}>{text}</{tag}>",
        st.sampled_from(["b", "i", "u", "h1", "font color=red", "span style='font-size:60px'", "p"]),
        st.text(max_size=30),
    ),
)
invisible = st.sampled_from(INVISIBLE)
control = st.sampled_from(CONTROL)


def spliced(base: st.SearchStrategy[str], insert: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`base` with something from `insert` put at some position in it."""
    return st.tuples(base, insert, st.integers(min_value=0, max_value=1_000)).map(
        lambda t: t[0][: t[2] % (len(t[0]) + 1)] + t[1] + t[0][t[2] % (len(t[0]) + 1) :]
    )


def look_alike(ascii_text: str, positions: list[int]) -> str:
    """`ascii_text` with the characters at `positions` swapped for their look-alikes, where one exists."""
    chars = list(ascii_text)
    for p in positions:
        if chars and chars[p % len(chars)] in LOOK_ALIKES:
            chars[p % len(chars)] = LOOK_ALIKES[chars[p % len(chars)]]
    return "".join(chars)


look_alikes = st.builds(
    look_alike,
    st.text(alphabet="ABCEHKMOPTXY0159", min_size=1, max_size=30),
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=4),
)
long_lines = st.integers(min_value=1_000, max_value=200_000).flatmap(
    lambda n: st.sampled_from(["x", "[", "{", "<b>", "\u202e", "é"]).map(lambda c: (c * n)[:n])
)

# Anything at all that a hostile feed, record or person could put in a text field.
HOSTILE = st.one_of(
    markup,
    spliced(st.text(max_size=40), st.one_of(invisible, control, markup)),
    look_alikes,
    long_lines,
    st.text(max_size=200),
)
# The same, kept short: for fields that are shown in one line or hashed thousands of times.
HOSTILE_SHORT = st.one_of(
    markup,
    spliced(st.text(max_size=40), st.one_of(invisible, control, markup)),
    look_alikes,
    st.text(max_size=80),
)
