"""Bridge: notifications (what to say) and channels (how to deliver) vary independently.

Run it with `python -m snippets.structural.bridge`.
"""

# --8<-- [start:imports]
import copy
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from typing import Self

# --8<-- [end:imports]


# --8<-- [start:message]
@dataclass(frozen=True)
class Message:
    """What crosses the bridge: a short title, a body, and how urgent it is."""

    title: str
    body: str
    urgent: bool = False


@dataclass(frozen=True)
class Delivery:
    """What a channel sends, to whom, exactly as it would go out."""

    channel: str
    recipient: str
    payload: str

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.payload}"


class DeliveryError(Exception):
    """A channel could not deliver right now; another channel may."""


# --8<-- [end:message]


# --8<-- [start:implementor]
class Channel(ABC):
    """The implementor: how a message reaches a person. Knows nothing about orders.

    The channels here return what they would transmit instead of opening a connection.
    """

    name: str

    def send(self, recipient: str, message: Message) -> Delivery:
        """Check the address and render the message for this medium."""
        self.check_recipient(recipient)
        return Delivery(self.name, recipient, self.render(message))

    @abstractmethod
    def check_recipient(self, recipient: str) -> None:
        """Raise ValueError if `recipient` is no address for this channel."""

    @abstractmethod
    def render(self, message: Message) -> str:
        """Turn the message into what this medium transmits."""


# --8<-- [end:implementor]


# --8<-- [start:concrete-implementors]
class EmailChannel(Channel):
    """E-mail; the subject carries the title."""

    name = "email"

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def check_recipient(self, recipient: str) -> None:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", recipient):
            raise ValueError(
                f"an e-mail needs an address like ana@example.com, not {recipient!r}"
            )

    def render(self, message: Message) -> str:
        email = EmailMessage()
        email["From"] = self.sender
        email["Subject"] = ("[Urgent] " if message.urgent else "") + message.title
        email.set_content(message.body)
        return f"Subject: {email['Subject']} | {email.get_content().strip()}"


class SmsChannel(Channel):
    """Text messages: one line, at most 160 characters."""

    name = "sms"
    max_length = 160

    def __init__(self, available: bool = True) -> None:
        self.available = available

    def check_recipient(self, recipient: str) -> None:
        if not re.fullmatch(r"\+[1-9]\d{7,14}", recipient):
            raise ValueError(
                f"an SMS needs a phone number like +4915112345678, not {recipient!r}"
            )

    def send(self, recipient: str, message: Message) -> Delivery:
        if not self.available:
            raise DeliveryError("the SMS gateway is not answering")
        return super().send(recipient, message)

    def render(self, message: Message) -> str:
        text = " ".join(f"{message.title}: {message.body}".splitlines())
        if len(text) > self.max_length:
            text = text[: self.max_length - 3] + "..."
        return text


class ChatChannel(Channel):
    """JSON for a chat webhook; urgent messages alert everyone who is online."""

    name = "chat"

    def check_recipient(self, recipient: str) -> None:
        if not re.fullmatch(r"@[a-z0-9._-]+", recipient):
            raise ValueError(
                f"a chat message needs a handle like @ana, not {recipient!r}"
            )

    def render(self, message: Message) -> str:
        alert = "<!here> " if message.urgent else ""
        text = f"{alert}*{message.title}*\n{message.body}"
        return json.dumps({"text": text}, ensure_ascii=False)


# --8<-- [end:concrete-implementors]


# --8<-- [start:abstraction]
class Notification(ABC):
    """The abstraction: what to tell a user. It holds a channel, the bridge."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    @abstractmethod
    def compose(self) -> Message:
        """Write the message; every channel can deliver it."""

    def send(self, recipient: str) -> Delivery:
        return self.channel.send(recipient, self.compose())

    def with_channel(self, channel: Channel) -> Self:
        """A copy of this notification over another channel; this one keeps its own."""
        twin = copy.copy(self)
        twin.channel = channel
        return twin


# --8<-- [end:abstraction]


# --8<-- [start:refined-abstractions]
class OrderShipped(Notification):
    """Tells a customer that an order is on its way."""

    def __init__(self, channel: Channel, order_id: str, tracking_number: str) -> None:
        super().__init__(channel)
        if not tracking_number.strip():
            raise ValueError(
                f"order {order_id} has shipped, so it needs a tracking number"
            )
        self.order_id = order_id
        self.tracking_number = tracking_number

    def compose(self) -> Message:
        return Message(
            f"Order {self.order_id} shipped", f"Tracking: {self.tracking_number}"
        )


class PaymentFailed(Notification):
    """Asks a customer, urgently, to fix a failed payment."""

    def __init__(self, channel: Channel, order_id: str, amount: Decimal) -> None:
        super().__init__(channel)
        if not (isinstance(amount, Decimal) and amount.is_finite() and amount > 0):
            raise ValueError(
                f"a failed payment has a positive Decimal amount: {amount!r}"
            )
        self.order_id = order_id
        self.amount = amount

    def compose(self) -> Message:
        return Message(
            f"Payment for order {self.order_id} failed",
            f"We could not charge EUR {self.amount} to your card. Please update "
            "your payment details within 48 hours, or we will cancel the order "
            "and release the items.",
            urgent=True,
        )


class PasswordReset(Notification):
    """Sends a one-time code to reset a password."""

    def __init__(self, channel: Channel, code: str) -> None:
        super().__init__(channel)
        if not re.fullmatch(r"\d{6}", code):
            raise ValueError(f"a reset code has 6 digits, got {code!r}")
        self.code = code

    def compose(self) -> Message:
        return Message("Reset code", f"{self.code}, valid for 15 minutes", urgent=True)


# --8<-- [end:refined-abstractions]


# --8<-- [start:runtime]
def channel_named(channels: Mapping[str, Channel], name: str) -> Channel:
    """Pick the implementation at run time, from a user's settings."""
    try:
        return channels[name]
    except KeyError:
        known = ", ".join(sorted(channels))
        raise ValueError(f"unknown channel {name!r}; choose one of {known}") from None


def send_with_fallback(
    notification: Notification, routes: Sequence[tuple[Channel, str]]
) -> Delivery:
    """Try each (channel, address) in turn with a copy of `notification` over it."""
    if not routes:
        raise ValueError("give at least one (channel, address) route")
    failures = []
    for channel, address in routes:
        try:
            return notification.with_channel(channel).send(address)
        except DeliveryError as exc:
            failures.append(f"{channel.name}: {exc}")
    raise DeliveryError("every channel failed: " + "; ".join(failures))


# --8<-- [end:runtime]


# --8<-- [start:pythonic]
Deliver = Callable[[str, Message], Delivery]


def log_file_channel(recipient: str, message: Message) -> Delivery:
    """A channel as a plain function: here, a line for an audit log."""
    return Delivery("log", recipient, f"{message.title} ({len(message.body)} chars)")


def notify(
    message: Message, deliver: Deliver, recipients: Sequence[str]
) -> list[Delivery]:
    """The bridge as a parameter: any message, any callable that delivers it."""
    return [deliver(recipient, message) for recipient in recipients]


# --8<-- [end:pythonic]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    channels: dict[str, Channel] = {
        "email": EmailChannel(sender="shop@example.com"),
        "sms": SmsChannel(),
        "chat": ChatChannel(),
    }
    users = {
        "ana": ("email", "ana@example.com"),
        "ben": ("sms", "+4915112345678"),
        "chen": ("chat", "@chen"),
    }
    for name, address in users.values():
        shipped = OrderShipped(channel_named(channels, name), "A-1001", "1Z999AA1")
        print(shipped.send(address))
        #> email to ana@example.com: Subject: Order A-1001 shipped | Tracking: 1Z999AA1
        #> sms to +4915112345678: Order A-1001 shipped: Tracking: 1Z999AA1
        #> chat to @chen: {"text": "*Order A-1001 shipped*\nTracking: 1Z999AA1"}
    # --8<-- [end:demo]

    # --8<-- [start:demo-urgent]
    failed = PaymentFailed(channels["sms"], "A-1002", Decimal("249.90"))
    sms = failed.send("+4915112345678")
    print(len(sms.payload), sms.payload[-40:])
    #> 160 48 hours, or we will cancel the order...
    print(PasswordReset(channels["chat"], "482913").send("@chen"))
    #> chat to @chen: {"text": "<!here> *Reset code*\n482913, valid for 15 minutes"}
    # --8<-- [end:demo-urgent]

    # --8<-- [start:demo-fallback]
    sms_down = SmsChannel(available=False)
    reset = PasswordReset(sms_down, "160442")
    routes: list[tuple[Channel, str]] = [
        (sms_down, "+4915112345678"),
        (channels["email"], "ben@example.com"),
    ]
    delivery = send_with_fallback(reset, routes)
    print(delivery.channel, delivery.recipient)
    #> email ben@example.com
    print(delivery.payload)
    #> Subject: [Urgent] Reset code | 160442, valid for 15 minutes
    print(reset.channel is sms_down)
    #> True
    # --8<-- [end:demo-fallback]

    # --8<-- [start:demo-count]
    kinds = Notification.__subclasses__()
    media = Channel.__subclasses__()
    print([kind.__name__ for kind in kinds])
    #> ['OrderShipped', 'PaymentFailed', 'PasswordReset']
    print([medium.__name__ for medium in media])
    #> ['EmailChannel', 'SmsChannel', 'ChatChannel']
    k = len(kinds)
    for n in range(len(media), len(media) + 3):
        print(f"{k} x {n}: {k * n} classes without a bridge, {k + n} with one")
        #> 3 x 3: 9 classes without a bridge, 6 with one
        #> 3 x 4: 12 classes without a bridge, 7 with one
        #> 3 x 5: 15 classes without a bridge, 8 with one
    # --8<-- [end:demo-count]

    # --8<-- [start:demo-pythonic]
    digest = Message("Weekly digest", "3 orders shipped, 1 payment failed.")
    for delivery in notify(digest, log_file_channel, ["ops", "finance"]):
        print(delivery)
        #> log to ops: Weekly digest (35 chars)
        #> log to finance: Weekly digest (35 chars)
    print(notify(digest, channels["chat"].send, ["@ops"])[0].payload)
    #> {"text": "*Weekly digest*\n3 orders shipped, 1 payment failed."}
    # --8<-- [end:demo-pythonic]
    # fmt: on
