"""State: an order whose behaviour depends on where it is in its workflow.

Run it with `python -m snippets.behavioral.state`.
"""

# --8<-- [start:imports]
import sqlite3
from abc import ABC
from decimal import Decimal
from enum import Enum

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

# --8<-- [end:imports]


# --8<-- [start:errors]
class IllegalTransitionError(Exception):
    """The order's current state does not allow this action."""


def eur(amount: Decimal) -> str:
    """Format an amount of money, such as `EUR 59.90`."""
    return f"EUR {amount:,.2f}"


# --8<-- [end:errors]


# --8<-- [start:state]
class OrderState(ABC):
    """What an order may do depends on its state; by default, nothing is allowed.

    Each action returns the state the order moves to. A state overrides only the
    actions it allows, so every other action is refused with a clear message.
    """

    name: str

    def pay(self, order: "Order", amount: Decimal) -> "OrderState":
        raise self._refuse(order, "pay for")

    def ship(self, order: "Order", tracking: str) -> "OrderState":
        raise self._refuse(order, "ship")

    def deliver(self, order: "Order") -> "OrderState":
        raise self._refuse(order, "deliver")

    def cancel(self, order: "Order") -> "OrderState":
        raise self._refuse(order, "cancel")

    def _refuse(self, order: "Order", action: str) -> IllegalTransitionError:
        return IllegalTransitionError(
            f"cannot {action} order {order.number}: it is {self.name}"
        )


# --8<-- [end:state]


# --8<-- [start:concrete-states]
class AwaitingPayment(OrderState):
    """A new order: it may be paid (the exact total) or cancelled."""

    name = "awaiting payment"

    def pay(self, order: "Order", amount: Decimal) -> OrderState:
        if amount != order.total:
            raise ValueError(
                f"order {order.number} costs {eur(order.total)}, not {eur(amount)}"
            )
        return Paid()

    def cancel(self, order: "Order") -> OrderState:
        return Cancelled()  # nothing was paid, nothing to refund


class Paid(OrderState):
    """Paid: it may be shipped with a tracking number, or cancelled with a refund."""

    name = "paid"

    def ship(self, order: "Order", tracking: str) -> OrderState:
        if not tracking.strip():
            raise ValueError("a shipment needs a tracking number")
        order.tracking = tracking
        return Shipped()

    def cancel(self, order: "Order") -> OrderState:
        order.refunded = order.total  # the same action, another behaviour
        return Cancelled()


class Shipped(OrderState):
    """On its way: it may only be delivered."""

    name = "shipped"

    def deliver(self, order: "Order") -> OrderState:
        return Delivered()


class Delivered(OrderState):
    """A final state: nothing more is allowed."""

    name = "delivered"


class Cancelled(OrderState):
    """A final state: nothing more is allowed."""

    name = "cancelled"


# --8<-- [end:concrete-states]


# --8<-- [start:context]
class Order:
    """The context: delegates every action to its current state object."""

    def __init__(self, number: str, total: Decimal) -> None:
        if total <= 0:
            raise ValueError(f"an order total must be positive, got {total}")
        self.number = number
        self.total = total
        self.tracking: str | None = None
        self.refunded = Decimal("0.00")
        self._state: OrderState = AwaitingPayment()
        self.history = [self._state.name]

    @property
    def status(self) -> str:
        return self._state.name

    def pay(self, amount: Decimal) -> None:
        self._move_to(self._state.pay(self, amount))

    def ship(self, tracking: str) -> None:
        self._move_to(self._state.ship(self, tracking))

    def deliver(self) -> None:
        self._move_to(self._state.deliver(self))

    def cancel(self) -> None:
        self._move_to(self._state.cancel(self))

    def _move_to(self, state: OrderState) -> None:
        self._state = state
        self.history.append(state.name)


# --8<-- [end:context]


# --8<-- [start:match]
class Status(Enum):
    """The states of an order, for the versions without state classes."""

    AWAITING_PAYMENT = "awaiting payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


def next_status(status: Status, action: str) -> Status:
    """Each case is an arrow of the state diagram; anything else is refused."""
    match status, action:
        case Status.AWAITING_PAYMENT, "pay":
            return Status.PAID
        case Status.PAID, "ship":
            return Status.SHIPPED
        case Status.SHIPPED, "deliver":
            return Status.DELIVERED
        case Status.AWAITING_PAYMENT | Status.PAID, "cancel":
            return Status.CANCELLED
    raise IllegalTransitionError(f"cannot {action} when {status.value}")


# --8<-- [end:match]


# --8<-- [start:stored]
class StaleStatusError(IllegalTransitionError):
    """Another request changed the stored order since this one read it."""


def move(db: sqlite3.Connection, number: str, seen: Status, action: str) -> Status:
    """Apply `action` to a stored order, only if its status is still `seen`."""
    new = next_status(seen, action)
    with db:  # one transaction, committed when the block ends
        cursor = db.execute(
            "UPDATE orders SET status = ? WHERE number = ? AND status = ?",
            (new.value, number, seen.value),
        )
    if cursor.rowcount != 1:
        raise StaleStatusError(f"order {number} is no longer {seen.value}")
    return new


# --8<-- [end:stored]


# --8<-- [start:library]
class OrderWorkflow(StateMachine):
    """The same workflow, declared with python-statemachine."""

    awaiting_payment = State("awaiting payment", initial=True)
    paid = State("paid")
    shipped = State("shipped")
    delivered = State("delivered", final=True)
    cancelled = State("cancelled", final=True)

    pay = awaiting_payment.to(paid, validators="check_amount")
    ship = paid.to(shipped, validators="check_tracking")
    deliver = shipped.to(delivered)
    cancel = awaiting_payment.to(cancelled) | paid.to(cancelled, on="refund")

    def __init__(self, number: str, total: Decimal) -> None:
        self.number = number
        self.total = total
        self.tracking: str | None = None
        self.refunded = Decimal("0.00")
        super().__init__()

    @property
    def status(self) -> str:
        return ", ".join(str(state.name) for state in self.configuration)

    def check_amount(self, amount: Decimal) -> None:
        if amount != self.total:
            raise ValueError(
                f"order {self.number} costs {eur(self.total)}, not {eur(amount)}"
            )

    def check_tracking(self, tracking: str) -> None:
        if not tracking.strip():
            raise ValueError("a shipment needs a tracking number")

    def on_enter_shipped(self, tracking: str) -> None:
        self.tracking = tracking

    def refund(self) -> None:
        self.refunded = self.total


# --8<-- [end:library]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    order = Order("A-1001", Decimal("59.90"))
    order.pay(Decimal("59.90"))
    order.ship("DHL-00340434161094042557")
    order.deliver()
    print(order.history)
    #> ['awaiting payment', 'paid', 'shipped', 'delivered']
    unpaid = Order("A-1002", Decimal("120.00"))
    unpaid.cancel()
    paid = Order("A-1003", Decimal("75.50"))
    paid.pay(Decimal("75.50"))
    paid.cancel()
    print(unpaid.status, unpaid.refunded, "|", paid.status, paid.refunded)
    #> cancelled 0.00 | cancelled 75.50
    # --8<-- [end:demo]

    # --8<-- [start:demo-errors]
    try:
        order.cancel()
    except IllegalTransitionError as exc:
        print(exc)
        #> cannot cancel order A-1001: it is delivered
    try:
        Order("A-1004", Decimal("19.99")).ship("DHL-1")
    except IllegalTransitionError as exc:
        print(exc)
        #> cannot ship order A-1004: it is awaiting payment
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-match]
    status = next_status(next_status(Status.AWAITING_PAYMENT, "pay"), "ship")
    print(status)
    #> Status.SHIPPED
    try:
        next_status(status, "cancel")
    except IllegalTransitionError as exc:
        print(exc)
        #> cannot cancel when shipped
    # --8<-- [end:demo-match]

    # --8<-- [start:demo-library]
    workflow = OrderWorkflow("A-1005", Decimal("59.90"))
    print(workflow.status, [event.id for event in workflow.allowed_events])
    #> awaiting payment ['pay', 'cancel']
    workflow.pay(Decimal("59.90"))
    workflow.ship("UPS-1Z999AA10123456784")
    print(workflow.status, workflow.tracking)
    #> shipped UPS-1Z999AA10123456784
    try:
        workflow.cancel()
    except TransitionNotAllowed as exc:
        print(exc)
        #> Can't Cancel when in shipped.
    # --8<-- [end:demo-library]
    # fmt: on
