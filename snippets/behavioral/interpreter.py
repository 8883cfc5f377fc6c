"""Interpreter: feature-flag rules such as `country in ["DE", "FR"] and plan == "pro"`.

Run it with `python -m snippets.behavioral.interpreter`.
"""

# --8<-- [start:imports]
import ast
import json
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, NoReturn, Self

# --8<-- [end:imports]


# --8<-- [start:errors]
Value = str | int | float | bool
Context = Mapping[str, Value]


class RuleSyntaxError(ValueError):
    """A rule cannot be parsed; the message shows the rule and points at the column."""

    def __init__(self, message: str, rule: str, column: int) -> None:
        self.message = message
        self.rule = rule
        self.column = column  # 1-based, as editors count
        pointer = " " * (column - 1) + "^"
        super().__init__(f"{message} (column {column})\n    {rule}\n    {pointer}")


class RuleEvaluationError(ValueError):
    """A well-formed rule cannot be evaluated against the context it was given."""


# --8<-- [end:errors]


# --8<-- [start:tokenizer]
@dataclass(frozen=True)
class Token:
    """One word of a rule: its kind, its text and the column where it starts."""

    kind: str  # "name", "keyword", "string", "number", "op" or "end"
    text: str
    column: int


KEYWORDS: Final = frozenset({"and", "or", "not", "in", "true", "false"})
TOKEN_PATTERN: Final = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<string>"[^"]*")
    | (?P<name>[A-Za-z_]\w*)
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


def tokenize(rule: str) -> Iterator[Token]:
    """Split `rule` into tokens, lazily, ending with an `end` token."""
    position = 0
    while position < len(rule):
        match = TOKEN_PATTERN.match(rule, position)
        if match is None:
            char = rule[position]
            hint = {
                "=": " (did you mean '=='?)",
                '"': " (a string is never closed)",
                "'": ' (strings use double quotes: "DE")',
            }.get(char, "")
            raise RuleSyntaxError(
                f"unexpected character {char!r}{hint}", rule, position + 1
            )
        kind, text = match.lastgroup or "", match.group()
        if kind == "name" and text in KEYWORDS:
            kind = "keyword"
        if kind != "space":
            yield Token(kind, text, position + 1)
        position = match.end()
    yield Token("end", "", len(rule) + 1)


# --8<-- [end:tokenizer]


# --8<-- [start:ast]
class Expression(ABC):
    """A node of the abstract syntax tree: it knows how to evaluate itself."""

    @abstractmethod
    def evaluate(self, context: Context) -> Value:
        """Interpret this node with the attributes of one request."""


def truth(node: Expression, context: Context, word: str) -> bool:
    """Evaluate `node` and insist on a boolean: rules never guess truthiness."""
    value = node.evaluate(context)
    if not isinstance(value, bool):
        raise RuleEvaluationError(f"{word!r} needs true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class Literal(Expression):
    """A terminal expression: a string, a number, true or false."""

    value: Value

    def evaluate(self, context: Context) -> Value:
        return self.value

    def __str__(self) -> str:
        return json.dumps(self.value, ensure_ascii=False)  # "DE", 10, true


@dataclass(frozen=True)
class Name(Expression):
    """A terminal expression: an attribute of the request, such as `plan`."""

    name: str

    def evaluate(self, context: Context) -> Value:
        try:
            value = context[self.name]
        except KeyError:
            known = ", ".join(sorted(context)) or "nothing"
            raise RuleEvaluationError(
                f"the rule uses {self.name!r}, but the context has only: {known}"
            ) from None
        if not isinstance(value, str | int | float):  # bool is an int
            raise RuleEvaluationError(
                f"{self.name!r} must be a string, a number or a boolean, got {value!r}"
            )
        return value

    def __str__(self) -> str:
        return self.name


COMPARISONS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def kind_of(value: Value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


def check_kinds(left: Value, op: str, right: Value | list[Value]) -> None:
    """Refuse to compare values of different kinds, where Python would guess."""
    for value in right if isinstance(right, list) else [right]:
        if kind_of(left) != kind_of(value):
            raise RuleEvaluationError(
                f"cannot compare {left!r} {op} {right!r}: "
                f"{kind_of(left)} and {kind_of(value)}"
            )


@dataclass(frozen=True)
class Comparison(Expression):
    """`left <op> right`; both sides must be of the same kind."""

    op: str
    left: Expression
    right: Expression

    def evaluate(self, context: Context) -> bool:
        left, right = self.left.evaluate(context), self.right.evaluate(context)
        check_kinds(left, self.op, right)
        return COMPARISONS[self.op](left, right)

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class Membership(Expression):
    """`item in [...]` or `item not in [...]`, against literals of the item's kind."""

    item: Expression
    options: tuple[Literal, ...]
    negated: bool = False

    def evaluate(self, context: Context) -> bool:
        item, options = self.item.evaluate(context), [o.value for o in self.options]
        check_kinds(item, "not in" if self.negated else "in", options)  # True == 1
        return (item in options) != self.negated

    def __str__(self) -> str:
        options = ", ".join(map(str, self.options))
        return f"{self.item} {'not in' if self.negated else 'in'} [{options}]"


@dataclass(frozen=True)
class Not(Expression):
    operand: Expression

    def evaluate(self, context: Context) -> bool:
        return not truth(self.operand, context, "not")

    def __str__(self) -> str:
        return f"(not {self.operand})"


@dataclass(frozen=True)
class And(Expression):
    left: Expression
    right: Expression

    def evaluate(self, context: Context) -> bool:
        return truth(self.left, context, "and") and truth(self.right, context, "and")

    def __str__(self) -> str:
        return f"({self.left} and {self.right})"


@dataclass(frozen=True)
class Or(Expression):
    left: Expression
    right: Expression

    def evaluate(self, context: Context) -> bool:
        return truth(self.left, context, "or") or truth(self.right, context, "or")

    def __str__(self) -> str:
        return f"({self.left} or {self.right})"


# --8<-- [end:ast]


# --8<-- [start:parser]
class Parser:
    """Recursive descent: one method per grammar rule, the loosest binding first."""

    MAX_LENGTH: Final = 500  # characters: bounds every recursion, here and in evaluate
    MAX_DEPTH: Final = 50  # levels of nesting: brackets and `not` here

    def __init__(self, rule: str) -> None:
        check_length(rule)
        self.rule = rule
        self.tokens = list(tokenize(rule))
        self.position = 0
        self.depth = 0

    def parse(self) -> Expression:
        expression = self.or_test()
        if self.current.kind != "end":
            raise self.error(f"expected 'and', 'or' or the end, found {self.found()}")
        return expression

    # rule = or_test ; or_test = and_test { "or" and_test }
    def or_test(self) -> Expression:
        expression = self.and_test()
        while self.accept("or"):
            expression = Or(expression, self.and_test())
        return expression

    # and_test = not_test { "and" not_test }
    def and_test(self) -> Expression:
        expression = self.not_test()
        while self.accept("and"):
            expression = And(expression, self.not_test())
        return expression

    # not_test = "not" not_test | comparison
    def not_test(self) -> Expression:
        if self.accept("not"):
            with self.nested():
                return Not(self.not_test())
        return self.comparison()

    # comparison = operand [ compare_op operand | [ "not" ] "in" list ]
    def comparison(self) -> Expression:
        left = self.operand()
        if self.current.kind == "op" and self.current.text in COMPARISONS:
            op = self.advance().text
            return Comparison(op, left, self.operand())
        if self.accept("in"):
            return Membership(left, self.literal_list())
        if self.current.text == "not" and self.peek().text == "in":
            self.position += 2
            return Membership(left, self.literal_list(), negated=True)
        return left

    # operand = NAME | literal | "(" or_test ")"
    def operand(self) -> Expression:
        token = self.current
        if token.kind == "name":
            self.advance()
            return Name(token.text)
        if self.accept("("):
            with self.nested():
                expression = self.or_test()
            self.expect(")")
            return expression
        return self.literal()

    # literal = STRING | NUMBER | "true" | "false"
    def literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            value: Value = token.text[1:-1]
        elif token.kind == "number":
            value = float(token.text) if "." in token.text else int(token.text)
        elif token.text in ("true", "false"):
            value = token.text == "true"
        else:
            raise self.error(f"expected a value, found {self.found()}")
        self.advance()
        return Literal(value)

    # list = "[" [ literal { "," literal } ] "]"
    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("[")
        options: list[Literal] = []
        while not self.accept("]"):
            if options:
                self.expect(",", "or ']'")
            options.append(self.literal())
        return tuple(options)

    # --- helpers: look at, consume and report tokens ---
    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def peek(self) -> Token:
        return self.tokens[min(self.position + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        if self.current.kind in ("keyword", "op") and self.current.text == text:
            self.position += 1
            return True
        return False

    def expect(self, text: str, alternative: str = "") -> None:
        if not self.accept(text):
            wanted = f"{text!r} {alternative}".strip()
            raise self.error(f"expected {wanted}, found {self.found()}")

    def found(self) -> str:
        if self.current.kind == "end":
            return "the end of the rule"
        return repr(self.current.text)

    def error(self, message: str) -> RuleSyntaxError:
        return RuleSyntaxError(message, self.rule, self.current.column)

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Refuse absurdly deep rules with a clear error instead of a RecursionError."""
        if self.depth == self.MAX_DEPTH:
            raise self.error(f"the rule nests deeper than {self.MAX_DEPTH} levels")
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1


def check_length(rule: str) -> None:
    if len(rule) > Parser.MAX_LENGTH:
        raise RuleSyntaxError(
            f"a rule has at most {Parser.MAX_LENGTH} characters, not {len(rule)}",
            rule[: Parser.MAX_LENGTH + 1] + "...",
            Parser.MAX_LENGTH + 1,
        )


def parse(rule: str) -> Expression:
    """Parse the text of a rule into its abstract syntax tree."""
    return Parser(rule).parse()


# --8<-- [end:parser]


# --8<-- [start:flags]
@dataclass(frozen=True)
class FeatureFlag:
    """A feature that is on for the requests its rule accepts; parsed once."""

    name: str
    rule: Expression

    @classmethod
    def from_text(cls, name: str, rule: str) -> Self:
        return cls(name, parse(rule))

    def is_enabled(self, context: Context) -> bool:
        value = self.rule.evaluate(context)
        if not isinstance(value, bool):
            raise RuleEvaluationError(
                f"the rule of {self.name!r} must be true or false, got {value!r}"
            )
        return value


# --8<-- [end:flags]


# --8<-- [start:pythonic]
class PythonRuleTranslator(ast.NodeVisitor):
    """Translate a tree from `ast.parse` into rule nodes, refusing everything else."""

    OPERATORS: Final[dict[type[ast.cmpop], str]] = {
        ast.Eq: "==",
        ast.NotEq: "!=",
        ast.Lt: "<",
        ast.LtE: "<=",
        ast.Gt: ">",
        ast.GtE: ">=",
    }
    REFUSED: Final[dict[type[ast.AST], str]] = {
        ast.Call: "function calls",
        ast.Attribute: "attributes",
        ast.Subscript: "subscripts",
        ast.Lambda: "lambdas",
    }

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.depth = 0

    def translate(self, node: ast.AST) -> Expression:
        if self.depth > Parser.MAX_DEPTH:
            raise self.error(
                node, f"the rule nests deeper than {Parser.MAX_DEPTH} levels"
            )
        self.depth += 1
        try:
            expression: Expression = self.visit(node)  # calls visit_<NodeClass>
        finally:
            self.depth -= 1
        return expression

    def visit_BoolOp(self, node: ast.BoolOp) -> Expression:
        combine: Callable[[Expression, Expression], Expression]
        combine = And if isinstance(node.op, ast.And) else Or
        expression = self.translate(node.values[0])
        for value in node.values[1:]:
            expression = combine(expression, self.translate(value))
        return expression

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Expression:
        if not isinstance(node.op, ast.Not):
            self.refuse(node, "arithmetic")
        return Not(self.translate(node.operand))

    def visit_Compare(self, node: ast.Compare) -> Expression:
        if len(node.ops) != 1:
            self.refuse(node, "chained comparisons")
        op, right = node.ops[0], node.comparators[0]
        left = self.translate(node.left)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, ast.List | ast.Tuple):
                self.refuse(right, "'in' without a list")
            options = tuple(self.literal(element) for element in right.elts)
            return Membership(left, options, negated=isinstance(op, ast.NotIn))
        if type(op) not in self.OPERATORS:
            self.refuse(node, "identity tests")
        return Comparison(self.OPERATORS[type(op)], left, self.translate(right))

    def visit_Name(self, node: ast.Name) -> Expression:
        return Name(node.id)

    def visit_Constant(self, node: ast.Constant) -> Expression:
        return self.literal(node)

    def literal(self, node: ast.expr) -> Literal:
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float):
            return Literal(node.value)
        self.refuse(node, "values other than strings, numbers and booleans")

    def generic_visit(self, node: ast.AST) -> NoReturn:
        self.refuse(node, self.REFUSED.get(type(node), f"{type(node).__name__} nodes"))

    def refuse(self, node: ast.AST, what: str) -> NoReturn:
        raise self.error(node, f"{what} are not allowed in a rule")

    def error(self, node: ast.AST, message: str) -> RuleSyntaxError:
        offset = getattr(node, "col_offset", 0)  # counts UTF-8 bytes, not characters
        column = len(self.rule.encode()[:offset].decode(errors="ignore")) + 1
        return RuleSyntaxError(message, self.rule, column)


def parse_python_rule(rule: str) -> Expression:
    """Parse a rule written in Python syntax with Python's own parser."""
    check_length(rule)  # ast.parse itself recurses, and can exhaust the C stack
    try:
        tree = ast.parse(rule, mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(
            "not a Python expression", rule, exc.offset or 1
        ) from None
    return PythonRuleTranslator(rule).translate(tree.body)


# --8<-- [end:pythonic]


# --8<-- [start:samples]
FLAGS = [
    FeatureFlag.from_text("new-checkout", 'country in ["DE", "FR"] and plan == "pro"'),
    FeatureFlag.from_text("bulk-export", 'plan != "free" and (seats >= 10 or beta)'),
    FeatureFlag.from_text("legacy-invoices", 'not beta and country not in ["DE"]'),
]
ACCOUNTS: dict[str, Context] = {
    "acme-gmbh": {"country": "DE", "plan": "pro", "seats": 25, "beta": False},
    "bistro-lyon": {"country": "FR", "plan": "starter", "seats": 3, "beta": True},
    "nordic-ab": {"country": "SE", "plan": "free", "seats": 1, "beta": False},
}
# --8<-- [end:samples]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-tokens]
    print([f"{token.kind}:{token.text}" for token in tokenize('plan == "pro"')])
    #> ['name:plan', 'op:==', 'string:"pro"', 'end:']
    print(parse('beta or country == "DE" and not seats < 5'))
    #> (beta or (country == "DE" and (not seats < 5)))
    # --8<-- [end:demo-tokens]

    # --8<-- [start:demo]
    for account, context in ACCOUNTS.items():
        enabled = [flag.name for flag in FLAGS if flag.is_enabled(context)]
        print(f"{account}: {', '.join(enabled) or '-'}")
        #> acme-gmbh: new-checkout, bulk-export
        #> bistro-lyon: bulk-export
        #> nordic-ab: legacy-invoices
    # --8<-- [end:demo]

    # --8<-- [start:demo-errors]
    try:
        parse('country in ["DE" "FR"]')
    except RuleSyntaxError as exc:
        print(exc)
        '''
        expected ',' or ']', found '"FR"' (column 18)
            country in ["DE" "FR"]
                             ^
        '''
    for bad_rule in ['plan == "pro" and', 'plan = "pro"', "seats >= 10 10"]:
        try:
            parse(bad_rule)
        except RuleSyntaxError as exc:
            print(f"column {exc.column}: {exc.message}")
            #> column 18: expected a value, found the end of the rule
            #> column 6: unexpected character '=' (did you mean '=='?)
            #> column 13: expected 'and', 'or' or the end, found '10'
    try:
        FLAGS[0].is_enabled({"country": "DE"})
    except RuleEvaluationError as exc:
        print(exc)
        #> the rule uses 'plan', but the context has only: country
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    rule = 'country in ["DE", "FR"] and plan == "pro"'
    print(parse_python_rule(rule) == parse(rule))
    #> True
    print(parse_python_rule(rule).evaluate(ACCOUNTS["acme-gmbh"]))
    #> True
    try:
        parse_python_rule('plan == "pro" or __import__("os").system("reboot")')
    except RuleSyntaxError as exc:
        print(exc)
        '''
        function calls are not allowed in a rule (column 18)
            plan == "pro" or __import__("os").system("reboot")
                             ^
        '''
    # --8<-- [end:demo-pythonic]
    # fmt: on
