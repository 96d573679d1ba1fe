"""Messages for the console and the log: one line each, whatever a file's name holds."""

from __future__ import annotations

import unicodedata

# str.splitlines() also breaks at these, and none of them can be typed on purpose
_LINE_BREAKERS = {"\u2028", "\u2029"}


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes (a newline as \\n), so that a
    file named with a line break still gives one line."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) == "Cc" or char in _LINE_BREAKERS
        else char
        for char in text
    )
