"""Resident identity numbers (GB 11643-1999), checked column-wise.

Every function takes and returns whole pandas Series so that a million-row
extract is checked without a Python loop per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))

# Full-width digits, letters and the ideographic space an Excel sheet may carry.
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FULLWIDTH.update({"Ｘ": "X", "ｘ": "X", "\u3000": " "})
_FULLWIDTH_TABLE = str.maketrans(_FULLWIDTH)


def normalize(raw: pd.Series) -> pd.Series:
    """Full-width to ASCII, spaces removed, x upper-cased; missing stays missing."""
    text = raw.astype("string")
    text = text.str.translate(_FULLWIDTH_TABLE)
    text = text.str.replace(r"[\s\-]", "", regex=True).str.upper()
    return text.mask(text == "")


def check_chars(first17: pd.Series) -> pd.Series:
    """The MOD 11-2 check character for each 17-digit string (all digits assumed)."""
    if len(first17) == 0:
        return pd.Series([], dtype="string", index=first17.index)
    codes = np.frombuffer("".join(first17.tolist()).encode("ascii"), dtype=np.uint8)
    digits = (codes.reshape(len(first17), 17) - ord("0")).astype(np.int64)
    remainder = (digits @ WEIGHTS) % 11
    return pd.Series(CHECK_CHARS[remainder], index=first17.index, dtype="string")


def with_check_char(first17: pd.Series) -> pd.Series:
    """17 digits plus their check character: a valid 18-character number."""
    return first17.astype("string") + check_chars(first17)
