"""Formula neutralization: what gets an apostrophe, and undoing it exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosell.files.neutralize import neutralize, unneutralize


@pytest.mark.parametrize(
    ("text", "neutralized"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("''-x", "'''-x"),
        ("'tis", "'tis"),
        ("'", "'"),
        ("", ""),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("\n=1", "\n=1"),
    ],
)
def test_neutralize(text: str, neutralized: str) -> None:
    assert neutralize(text) == neutralized
    assert unneutralize(neutralized) == text


@pytest.mark.parametrize("text", ["'x", "'", "''", "x'=", "'tis", "", "' =1"])
def test_unneutralize_leaves_other_text_alone(text: str) -> None:
    assert unneutralize(text) == text


_TEXT = st.text(alphabet=st.sampled_from("'=+-@\t\rax \n"), max_size=8) | st.text(max_size=8)


@given(_TEXT)
def test_unneutralize_undoes_neutralize(text: str) -> None:
    assert unneutralize(neutralize(text)) == text


@given(_TEXT)
def test_neutralized_text_cannot_start_a_formula(text: str) -> None:
    assert neutralize(text)[:1] not in {"=", "+", "-", "@", "\t", "\r"}


@given(_TEXT)
def test_same_rule_as_the_domain_cell_parsers(text: str) -> None:
    # The domain layer keeps its own copy for its parsers; the two must agree.
    formula = pytest.importorskip("cosell.domain.formula")
    assert formula.neutralize(text) == neutralize(text)
    assert formula.unneutralize(text) == unneutralize(text)
