import pytest
from hypothesis import given, settings, strategies as st

from matching.identifiers import (
    is_valid_ni, is_valid_nhs, is_valid_pnc, is_valid_upn, nhs_check_digit, nhs_valid_array,
    standardise_identifier, upn_check_letter,
)


@pytest.mark.parametrize("nhs", ["9434765919", "6541003238", "943 476 5919", "943-476-5919"])
def test_valid_nhs_examples(nhs):
    assert is_valid_nhs(nhs)


@pytest.mark.parametrize("nhs", ["9434765918", "943476591", "94347659190", "ABCDEFGHIJ", "", None])
def test_invalid_nhs(nhs):
    assert not is_valid_nhs(nhs)


def test_upn_examples():
    assert is_valid_upn("B801200005001")
    # The school-software help page's worked example has wrong arithmetic: its check letter should be P.
    assert not is_valid_upn("Q207000016049")
    assert upn_check_letter("207000016049") == "P"


def test_pnc_example_and_forms():
    assert is_valid_pnc("12/345G")
    assert is_valid_pnc("2012/345G")
    assert is_valid_pnc("12/0000345G")
    assert not is_valid_pnc("12/345H")


def test_ni_format():
    assert is_valid_ni("AB123456C")
    assert not is_valid_ni("GB123456A")
    assert not is_valid_ni("AO123456A")


def test_standardise_identifier_keeps_invalid_text_but_flags_it():
    assert standardise_identifier("9434765918", "nhs") == ("9434765918", False)
    assert standardise_identifier(None, "nhs") == ("", False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=9, max_size=9))
def test_vectorised_nhs_check_agrees_with_scalar(digits):
    first = "".join(map(str, digits))
    check = nhs_check_digit(first)
    candidates = [first + str(d) for d in range(10)]
    assert nhs_valid_array(candidates).tolist() == [is_valid_nhs(c) for c in candidates]
    assert sum(is_valid_nhs(c) for c in candidates) == (0 if check is None else 1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_identifier_functions_never_raise(text):
    for kind in ("nhs", "upn", "pnc", "ni"):
        out, ok = standardise_identifier(text, kind)
        assert isinstance(out, str) and isinstance(ok, bool)
