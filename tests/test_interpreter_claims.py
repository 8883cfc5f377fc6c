"""Claims of the interpreter page that its blocks do not show: limits, carets, contexts."""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import pytest

from snippets.behavioral.interpreter import (
    Expression,
    Parser,
    RuleEvaluationError,
    RuleSyntaxError,
    parse,
    parse_python_rule,
)

T = TypeVar("T")
PARSERS = [parse, parse_python_rule]
# Rules as long as MAX_LENGTH allows (and as deep as MAX_DEPTH allows), shaped to recurse.
DEEP_RULES = [
    " or ".join(["a"] * ((Parser.MAX_LENGTH + 4) // 5)),  # a left-leaning chain of `Or`s
    " and ".join(["not a"] * ((Parser.MAX_LENGTH + 5) // 10)),
    "not " * Parser.MAX_DEPTH + "beta",
    "(" * Parser.MAX_DEPTH + "beta" + ")" * Parser.MAX_DEPTH,
]


def recurse(depth: int, then: Callable[[], T]) -> T:
    """Call `then` with `depth` extra frames on the stack, as a deep web framework would."""
    return then() if depth == 0 else recurse(depth - 1, then)


@pytest.mark.parametrize("rule", DEEP_RULES)
def test_the_length_limit_keeps_every_recursion_far_from_the_limit(rule: str) -> None:
    assert len(rule) <= Parser.MAX_LENGTH
    headroom = sys.getrecursionlimit() // 2  # half the stack is already used by the caller
    for parser in PARSERS:
        tree = recurse(headroom, functools.partial(parser, rule))
        context = {"a": False, "beta": False}
        assert isinstance(recurse(headroom, functools.partial(tree.evaluate, context)), bool)
        assert recurse(headroom, functools.partial(str, tree))
        assert recurse(headroom, functools.partial(tree.__eq__, parse(rule))) is True


@pytest.mark.parametrize(
    "rule",
    [
        "-" * 499 + "1",  # 499 nested unary minus signs for ast.parse
        "not " * 124 + "beta",
        "[" * 250 + "]" * 250,
        "a." * 249 + "b",
        "beta or " * 1000 + "beta",
    ],
)
@pytest.mark.parametrize("parser", PARSERS)
def test_hostile_rules_get_the_pages_own_error(
    parser: Callable[[str], Expression], rule: str
) -> None:
    with pytest.raises(RuleSyntaxError):
        parser(rule)


@pytest.mark.parametrize(("parser", "pointed_at"), [(parse, "("), (parse_python_rule, "f")])
def test_the_caret_counts_characters_not_utf8_bytes(
    parser: Callable[[str], Expression], pointed_at: str
) -> None:
    rule = 'city == "Zürich" or f()'
    with pytest.raises(RuleSyntaxError) as caught:
        parser(rule)
    assert rule[caught.value.column - 1] == pointed_at


def test_a_context_value_of_another_type_gets_a_clear_error() -> None:
    with pytest.raises(RuleEvaluationError, match="'seats' must be a string, a number"):
        parse("seats >= 10").evaluate({"seats": None})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("rule", "context"),
    [
        ("beta in [1]", {"beta": True}),
        ("seats not in [true]", {"seats": 1}),
        ('plan in ["pro", 1]', {"plan": "free"}),
        ("beta == 1", {"beta": True}),
    ],
)
def test_booleans_and_numbers_never_compare_equal(rule: str, context: dict[str, object]) -> None:
    with pytest.raises(RuleEvaluationError, match="cannot compare"):
        parse(rule).evaluate(context)  # type: ignore[arg-type]


def test_literal_eval_refuses_a_rule_with_the_error_the_page_quotes() -> None:
    """Real-world examples: `plan == "pro"` gets `ValueError: malformed node or string`."""
    with pytest.raises(ValueError, match=r"^malformed node or string\b"):
        ast.literal_eval('plan == "pro"')
    assert ast.literal_eval('["DE", "FR"]') == ["DE", "FR"]  # literals and containers pass
