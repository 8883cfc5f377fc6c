"""Chain of responsibility: expense claims travel along approvers until one decides.

Run it with `python -m snippets.behavioral.chain_of_responsibility`.
"""

# --8<-- [start:imports]
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

# --8<-- [end:imports]


# --8<-- [start:request]
def eur(amount: Decimal) -> str:
    """Format an amount of money the way the finance team writes it."""
    return f"EUR {amount:,.2f}"


@dataclass(frozen=True)
class Expense:
    """The request: an expense claim that someone has to approve or reject."""

    employee: str
    amount: Decimal
    purpose: str
    has_receipt: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(
                f"amounts of money are Decimal, not {type(self.amount).__name__}"
            )
        if not self.amount.is_finite() or self.amount <= 0:
            raise ValueError(f"an expense must be a positive amount, got {self.amount}")


class Outcome(Enum):
    """How a claim ended: approved, rejected, or taken by nobody."""

    APPROVED = "approved"
    REJECTED = "rejected"
    UNHANDLED = "unhandled"


@dataclass(frozen=True)
class Decision:
    """What the chain answered, who answered, and every link the claim went through."""

    outcome: Outcome
    reason: str
    decided_by: str | None = None
    seen_by: tuple[str, ...] = ()

    def __str__(self) -> str:
        who = f" by {self.decided_by}" if self.decided_by else ""
        return f"{self.outcome.value}{who}: {self.reason}"


# --8<-- [end:request]


# --8<-- [start:handler]
class Approver(ABC):
    """A link of the chain: decides on a claim, or passes it to its successor."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.successor: Approver | None = None

    def then(self, successor: "Approver") -> "Approver":
        """Append `successor` at the end of this chain; return it, to chain fluently."""
        ours: list[Approver] = [self]
        while (last := ours[-1].successor) is not None:
            ours.append(last)
        link: Approver | None = successor
        while link is not None:
            if any(link is known for known in ours):
                raise ValueError(
                    f"putting {successor.name!r} after {ours[-1].name!r} "
                    "would make the chain loop"
                )
            link = link.successor
        ours[-1].successor = successor
        return successor

    def handle(self, expense: Expense, seen_by: tuple[str, ...] = ()) -> Decision:
        """Decide here, or pass the claim on; the end of the chain says so."""
        seen_by = (*seen_by, self.name)
        decision = self.decide(expense)
        if decision is not None:
            return replace(decision, decided_by=self.name, seen_by=seen_by)
        if self.successor is not None:
            return self.successor.handle(expense, seen_by)
        return Decision(
            Outcome.UNHANDLED,
            f"nobody in the chain may decide on {eur(expense.amount)}",
            seen_by=seen_by,
        )

    @abstractmethod
    def decide(self, expense: Expense) -> Decision | None:
        """Return a decision, or None to pass the claim on."""


# --8<-- [end:handler]


# --8<-- [start:concrete-handlers]
class ReceiptCheck(Approver):
    """Rejects claims above a small amount that come without a receipt."""

    def __init__(self, threshold: Decimal) -> None:
        super().__init__("receipt check")
        self.threshold = threshold

    def decide(self, expense: Expense) -> Decision | None:
        if not expense.has_receipt and expense.amount > self.threshold:
            return Decision(
                Outcome.REJECTED,
                f"a receipt is required above {eur(self.threshold)}",
            )
        return None  # not my call: pass it on


class SpendingLimit(Approver):
    """Approves claims up to the spending limit of one role."""

    def __init__(self, role: str, limit: Decimal) -> None:
        if not isinstance(limit, Decimal):
            raise TypeError(f"limits are Decimal, not {type(limit).__name__}")
        if not limit.is_finite() or limit <= 0:
            raise ValueError(f"a spending limit must be positive, got {limit}")
        super().__init__(role)
        self.limit = limit

    def decide(self, expense: Expense) -> Decision | None:
        if expense.amount <= self.limit:
            return Decision(Outcome.APPROVED, f"within {eur(self.limit)}")
        return None


# --8<-- [end:concrete-handlers]


# --8<-- [start:client]
def approval_chain() -> Approver:
    """Build the company's chain: receipts first, then ever larger limits."""
    head = ReceiptCheck(threshold=Decimal("25"))
    (
        head.then(SpendingLimit("team lead", Decimal("500")))
        .then(SpendingLimit("department head", Decimal("5000")))
        .then(SpendingLimit("CFO", Decimal("50000")))
    )
    return head


# --8<-- [end:client]


# --8<-- [start:logging-handler]
class ListHandler(logging.Handler):
    """A logging handler that writes to a list, so the demo can show who saw what."""

    def __init__(self, label: str, lines: list[str]) -> None:
        super().__init__()
        self.label = label
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"[{self.label}] {record.name}: {record.getMessage()}")


# --8<-- [end:logging-handler]


# --8<-- [start:pythonic]
Rule = Callable[[Expense], Decision | None]


def receipt_rule(threshold: Decimal) -> Rule:
    """A rule that rejects claims above `threshold` without a receipt."""

    def rule(expense: Expense) -> Decision | None:
        if not expense.has_receipt and expense.amount > threshold:
            return Decision(Outcome.REJECTED, "no receipt", "receipt check")
        return None

    return rule


def limit_rule(role: str, limit: Decimal) -> Rule:
    """A rule that lets `role` approve claims up to `limit`."""

    def rule(expense: Expense) -> Decision | None:
        if expense.amount <= limit:
            return Decision(Outcome.APPROVED, f"within {eur(limit)}", role)
        return None

    return rule


RULES: tuple[Rule, ...] = (
    receipt_rule(Decimal("25")),
    limit_rule("team lead", Decimal("500")),
    limit_rule("department head", Decimal("5000")),
    limit_rule("CFO", Decimal("50000")),
)


def first_decision(rules: Iterable[Rule], expense: Expense) -> Decision:
    """Ask each rule in turn; the first that answers decides."""
    for rule in rules:
        if (decision := rule(expense)) is not None:
            return decision
    return Decision(Outcome.UNHANDLED, f"no rule covers {eur(expense.amount)}")


# --8<-- [end:pythonic]


# --8<-- [start:middleware]
@dataclass(frozen=True)
class Request:
    """An HTTP request, reduced to what the middleware below looks at."""

    path: str
    api_key: str | None = None


@dataclass(frozen=True)
class Response:
    """An HTTP response: a status code and a body."""

    status: int
    body: str


Endpoint = Callable[[Request], Response]
Middleware = Callable[[Request, Endpoint], Response]


def build_pipeline(middlewares: Sequence[Middleware], endpoint: Endpoint) -> Endpoint:
    """Wrap `endpoint` so a request meets the middlewares in the order given."""

    def link(middleware: Middleware, call_next: Endpoint) -> Endpoint:
        return lambda request: middleware(request, call_next)

    handler = endpoint
    for middleware in reversed(middlewares):
        handler = link(middleware, handler)
    return handler


def require_api_key(request: Request, call_next: Endpoint) -> Response:
    """Answer 401 itself when the key is wrong; otherwise pass the request on."""
    if request.api_key != "s3cret":
        return Response(401, "missing or wrong API key")  # handled: stop here
    return call_next(request)  # not my business: pass it on


def add_trailing_slash(request: Request, call_next: Endpoint) -> Response:
    """Redirect paths without a trailing slash; pass the others on."""
    if not request.path.endswith("/"):
        return Response(308, f"moved to {request.path}/")
    return call_next(request)


ROUTES = {"/invoices/": "3 open invoices"}


def router(request: Request) -> Response:
    """The end of the chain: answers every request, with 404 if no route matches."""
    if request.path in ROUTES:
        return Response(200, ROUTES[request.path])
    return Response(404, f"no route for {request.path}")


# --8<-- [end:middleware]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    chain = approval_chain()
    claims = [
        Expense("Ana", Decimal("42.50"), "team lunch"),
        Expense("Ben", Decimal("1800"), "conference ticket"),
        Expense("Chloe", Decimal("120"), "taxi", has_receipt=False),
        Expense("Dev", Decimal("80000"), "build servers"),
    ]
    for claim in claims:
        print(f"{claim.employee}: {chain.handle(claim)}")
        #> Ana: approved by team lead: within EUR 500.00
        #> Ben: approved by department head: within EUR 5,000.00
        #> Chloe: rejected by receipt check: a receipt is required above EUR 25.00
        #> Dev: unhandled: nobody in the chain may decide on EUR 80,000.00
    # --8<-- [end:demo]

    # --8<-- [start:demo-trail]
    decision = chain.handle(claims[-1])
    print(decision.outcome is Outcome.UNHANDLED, decision.decided_by)
    #> True None
    print(" -> ".join(decision.seen_by))
    #> receipt check -> team lead -> department head -> CFO
    # --8<-- [end:demo-trail]

    # --8<-- [start:demo-loop]
    try:
        chain.then(chain)  # then() appends after the last link, the CFO
    except ValueError as exc:
        print(exc)
        #> putting 'receipt check' after 'CFO' would make the chain loop
    # --8<-- [end:demo-loop]

    # --8<-- [start:demo-logging]
    shop_log = logging.getLogger("shop")
    payments_log = logging.getLogger("shop.payments")
    shop_log.setLevel(logging.INFO)
    written: list[str] = []
    shop_log.addHandler(ListHandler("shop.log", written))
    payments_log.addHandler(ListHandler("payments.log", written))

    payments_log.info("charged order %s", "A-1001")
    payments_log.propagate = False  # stop here: the parent's handlers never see it
    payments_log.info("refunded order %s", "A-0999")
    print("\n".join(written))
    '''
    [payments.log] shop.payments: charged order A-1001
    [shop.log] shop.payments: charged order A-1001
    [payments.log] shop.payments: refunded order A-0999
    '''

    for logger in (shop_log, payments_log):  # leave the global loggers as they were
        logger.handlers.clear()
    shop_log.setLevel(logging.NOTSET)
    payments_log.propagate = True
    # --8<-- [end:demo-logging]

    # --8<-- [start:demo-pythonic]
    for claim in claims:
        print(f"{claim.employee}: {first_decision(RULES, claim)}")
        #> Ana: approved by team lead: within EUR 500.00
        #> Ben: approved by department head: within EUR 5,000.00
        #> Chloe: rejected by receipt check: no receipt
        #> Dev: unhandled: no rule covers EUR 80,000.00
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo-middleware]
    app = build_pipeline([require_api_key, add_trailing_slash], router)
    print(app(Request("/invoices/", api_key="s3cret")))
    #> Response(status=200, body='3 open invoices')
    print(app(Request("/invoices/")))
    #> Response(status=401, body='missing or wrong API key')
    print(app(Request("/invoices", api_key="s3cret")))
    #> Response(status=308, body='moved to /invoices/')
    print(app(Request("/reports/", api_key="s3cret")))
    #> Response(status=404, body='no route for /reports/')
    # --8<-- [end:demo-middleware]
    # fmt: on
