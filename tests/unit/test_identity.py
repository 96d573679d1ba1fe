import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from schemas import identity

seventeen_digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(st.lists(seventeen_digits, min_size=1, max_size=50))
def test_check_chars_agree_with_stdnum(numbers):
    computed = identity.check_chars(pd.Series(numbers)).tolist()
    # stdnum takes the whole 18-character number and ignores its last character
    assert computed == [ric.calc_check_digit(n + "0") for n in numbers]


@given(seventeen_digits)
def test_one_changed_digit_breaks_the_check(first17):
    valid = identity.with_check_char(pd.Series([first17])).iloc[0]
    position = 16
    changed = first17[:position] + str((int(first17[position]) + 1) % 10)
    assert identity.with_check_char(pd.Series([changed])).iloc[0][-1] != valid[-1]


FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@given(seventeen_digits, st.booleans(), st.sampled_from(["", " ", "\u3000", "-"]))
def test_normalize_undoes_spreadsheet_damage(first17, fullwidth, gap):
    number = identity.with_check_char(pd.Series([first17])).iloc[0]
    damaged = number.lower()
    if fullwidth:
        damaged = damaged.upper().translate(FULLWIDTH)
    damaged = damaged[:6] + gap + damaged[6:14] + gap + damaged[14:]
    assert identity.normalize(pd.Series([f" {damaged} "])).iloc[0] == number


def test_normalize_keeps_missing_missing():
    assert identity.normalize(pd.Series([None, "", "  "])).isna().all()
