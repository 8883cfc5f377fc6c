"""Mediator: the widgets of a sign-up form coordinate through the form, not each other.

Run it with `python -m snippets.behavioral.mediator`.
"""

# --8<-- [start:imports]
import asyncio
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# --8<-- [end:imports]


# --8<-- [start:components]
class FormError(ValueError):
    """A user action that the form does not allow in its current state."""


class Mediator(Protocol):
    """What a widget knows about the form it sits on: one method."""

    def notify(self, sender: "Widget", event: str) -> None: ...


class Widget:
    """A component: it reports its changes to the mediator and knows no other widget."""

    def __init__(self, label: str, mediator: Mediator) -> None:
        self.label = label
        self.mediator = mediator
        self.enabled = True
        self.error = ""

    def check_enabled(self) -> None:
        if not self.enabled:
            raise FormError(f"{self.label!r} is disabled")


class TextField(Widget):
    def __init__(self, label: str, mediator: Mediator, *, secret: bool = False) -> None:
        super().__init__(label, mediator)
        self.value = ""
        self.secret = secret

    def type(self, text: str) -> None:
        """The user replaces the text of the field."""
        self.check_enabled()
        self.value = text
        self.mediator.notify(self, "changed")

    def shown(self) -> str:
        return "*" * len(self.value) if self.secret else self.value


class Checkbox(Widget):
    def __init__(self, label: str, mediator: Mediator) -> None:
        super().__init__(label, mediator)
        self.checked = False

    def click(self) -> None:
        self.check_enabled()
        self.checked = not self.checked
        self.mediator.notify(self, "changed")


class Button(Widget):
    def click(self) -> None:
        self.check_enabled()
        self.mediator.notify(self, "clicked")


# --8<-- [end:components]


# --8<-- [start:rules]
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
MIN_PASSWORD_LENGTH = 10


def email_problem(email: str, taken: Collection[str]) -> str:
    if not email:
        return "required"
    if not EMAIL_PATTERN.fullmatch(email):
        return "not an e-mail address"
    if email.lower() in taken:
        return "already registered"
    return ""


def password_problem(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    return ""


# --8<-- [end:rules]


# --8<-- [start:mediator]
@dataclass(frozen=True)
class SignUp:
    email: str
    company: str | None


class SignUpForm:
    """The concrete mediator: it owns the widgets and every rule between them."""

    def __init__(self, taken_emails: Collection[str] = ()) -> None:
        self.taken = {email.lower() for email in taken_emails}
        self.email = TextField("email", self)
        self.password = TextField("password", self, secret=True)
        self.company_account = Checkbox("company account", self)
        self.company_name = TextField("company name", self)
        self.terms = Checkbox("accept terms", self)
        self.sign_up = Button("sign up", self)
        self.submitted: list[SignUp] = []
        self.update()

    def notify(self, sender: Widget, event: str) -> None:
        if sender is self.sign_up and event == "clicked":
            company = self.company_name.value if self.company_account.checked else None
            self.submitted.append(SignUp(self.email.value, company))
            return
        if sender is self.company_account and not self.company_account.checked:
            # Set the value, do not call type(): the mediator must not notify itself.
            self.company_name.value = ""
        self.update()

    def update(self) -> None:
        """Apply every rule of the form; no widget knows any of them."""
        self.email.error = email_problem(self.email.value, self.taken)
        self.password.error = password_problem(self.password.value)
        company = self.company_account.checked
        self.company_name.enabled = company
        missing_company = company and not self.company_name.value.strip()
        self.company_name.error = (
            "required for a company account" if missing_company else ""
        )
        self.terms.error = "" if self.terms.checked else "required"
        self.sign_up.enabled = not any(widget.error for widget in self.widgets())

    def widgets(self) -> list[Widget]:
        return [
            self.email,
            self.password,
            self.company_account,
            self.company_name,
            self.terms,
            self.sign_up,
        ]

    def render(self) -> str:
        """The form as text: one line per widget, with its state and its error."""
        lines = []
        for widget in self.widgets():
            if isinstance(widget, TextField):
                state = f"[{widget.shown():<22}]"
            elif isinstance(widget, Checkbox):
                state = "[x]" if widget.checked else "[ ]"
            else:
                state = "(button)"
            note = "disabled" if not widget.enabled else widget.error
            lines.append(f"{widget.label:<16}{state:<26}{note}".rstrip())
        return "\n".join(lines)


# --8<-- [end:mediator]


# --8<-- [start:event-bus]
E = TypeVar("E")


class EventBus:
    """A mediator that knows no rules: components publish events, handlers subscribe."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Callable[[Any], None]]] = {}

    def subscribe(
        self, event_type: type[E], handler: Callable[[E], None]
    ) -> Callable[[], None]:
        """Call `handler` for every event of this type; return an unsubscriber."""
        if not isinstance(event_type, type):
            raise TypeError(f"an event type must be a class, got {event_type!r}")
        if not callable(handler):
            raise TypeError(f"a handler must be callable, got {handler!r}")
        handlers = self._handlers.setdefault(event_type, [])
        handlers.append(handler)

        def unsubscribe() -> None:
            if handler not in handlers:
                name = event_type.__name__
                raise LookupError(f"{handler!r} is no longer subscribed to {name}")
            handlers.remove(handler)

        return unsubscribe

    def publish(self, event: object) -> int:
        """Hand `event` to every handler of its type; return how many there were.

        A failing handler does not stop the others: their exceptions are raised
        together, as an `ExceptionGroup`, once every handler had its turn.
        """
        handlers = list(self._handlers.get(type(event), []))
        errors: list[Exception] = []
        for handler in handlers:
            try:
                handler(event)
            except Exception as exc:
                name = getattr(handler, "__qualname__", repr(handler))
                exc.add_note(f"raised by {name}")
                errors.append(exc)
        if errors:
            kind = type(event).__name__
            message = f"{len(errors)} of {len(handlers)} handlers of {kind} failed"
            raise ExceptionGroup(message, errors)
        return len(handlers)


@dataclass(frozen=True)
class OrderPlaced:
    order_id: int
    email: str


@dataclass(frozen=True)
class OrderCancelled:
    order_id: int


@dataclass
class Warehouse:
    """A subscriber: it reacts to orders and has never heard of the mailer."""

    reserved: list[int]

    def on_order_placed(self, event: OrderPlaced) -> None:
        self.reserved.append(event.order_id)

    def on_order_cancelled(self, event: OrderCancelled) -> None:
        if event.order_id not in self.reserved:
            raise LookupError(f"order {event.order_id} was never reserved")
        self.reserved.remove(event.order_id)


# --8<-- [end:event-bus]


# --8<-- [start:queue]
async def take_orders(
    channel: str, orders: list[int], queue: asyncio.Queue[str]
) -> None:
    """A producer: it puts work on the queue and knows nothing about who packs it."""
    for order_id in orders:
        await queue.put(f"{channel} order {order_id}")


async def pack_orders(queue: asyncio.Queue[str], packed: list[str]) -> None:
    """A consumer: it takes work from the queue and knows nothing about who sent it."""
    while True:
        packed.append(await queue.get())
        queue.task_done()


async def run_shop() -> list[str]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    packed: list[str] = []
    async with asyncio.TaskGroup() as tasks:  # leaves only when all its tasks ended
        packer = tasks.create_task(pack_orders(queue, packed))
        await asyncio.gather(
            take_orders("web", [501, 502], queue), take_orders("phone", [601], queue)
        )
        await queue.join()  # wait until every order is packed
        packer.cancel()  # it would wait for more forever; the group awaits its end
    return packed


# --8<-- [end:queue]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    form = SignUpForm(taken_emails={"ops@nordwind.example"})
    print(form.render())
    '''
    email           [                      ]  required
    password        [                      ]  at least 10 characters
    company account [ ]
    company name    [                      ]  disabled
    accept terms    [ ]                       required
    sign up         (button)                  disabled
    '''
    form.email.type("ada@nordwind.example")
    form.password.type("hunter2")
    form.company_account.click()
    print(form.render())
    '''
    email           [ada@nordwind.example  ]
    password        [*******               ]  at least 10 characters
    company account [x]
    company name    [                      ]  required for a company account
    accept terms    [ ]                       required
    sign up         (button)                  disabled
    '''
    # --8<-- [end:demo]

    # --8<-- [start:demo-submit]
    form.password.type("correct horse battery")
    form.company_name.type("Nordwind GmbH")
    form.terms.click()
    print(form.sign_up.enabled)
    #> True
    form.sign_up.click()
    print(form.submitted)
    #> [SignUp(email='ada@nordwind.example', company='Nordwind GmbH')]
    # --8<-- [end:demo-submit]

    # --8<-- [start:demo-errors]
    form.company_account.click()  # untick: the form clears and disables the name
    print(repr(form.company_name.value), form.company_name.enabled)
    #> '' False
    try:
        form.company_name.type("Nordwind GmbH")
    except FormError as exc:
        print(exc)
        #> 'company name' is disabled
    form.email.type("ops@nordwind.example")
    print(form.email.error, form.sign_up.enabled)
    #> already registered False
    try:
        form.sign_up.click()
    except FormError as exc:
        print(exc)
        #> 'sign up' is disabled
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-bus]
    bus = EventBus()
    warehouse = Warehouse(reserved=[])
    outbox: list[str] = []
    bus.subscribe(OrderPlaced, warehouse.on_order_placed)
    bus.subscribe(OrderCancelled, warehouse.on_order_cancelled)
    bus.subscribe(OrderPlaced, lambda event: outbox.append(f"thanks, {event.email}"))

    print(bus.publish(OrderPlaced(501, "ada@nordwind.example")))
    #> 2
    print(bus.publish(OrderPlaced(502, "max@lumiere.example")))
    #> 2
    print(bus.publish(OrderCancelled(501)))
    #> 1
    print(warehouse.reserved, outbox)
    #> [502] ['thanks, ada@nordwind.example', 'thanks, max@lumiere.example']
    # --8<-- [end:demo-bus]

    # --8<-- [start:demo-bus-failing]
    cancellations: list[int] = []
    bus.subscribe(OrderCancelled, lambda event: cancellations.append(event.order_id))
    try:
        bus.publish(OrderCancelled(999))  # never reserved: the warehouse fails
    except ExceptionGroup as group:
        print(group.message)
        #> 1 of 2 handlers of OrderCancelled failed
        for error in group.exceptions:
            print(f"{error} ({error.__notes__[0]})")
            #> order 999 was never reserved (raised by Warehouse.on_order_cancelled)
    print(cancellations)  # the audit handler ran all the same
    #> [999]
    # --8<-- [end:demo-bus-failing]

    # --8<-- [start:demo-queue]
    print(asyncio.run(run_shop()))
    #> ['web order 501', 'web order 502', 'phone order 601']
    # --8<-- [end:demo-queue]
    # fmt: on
