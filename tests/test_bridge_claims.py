"""The bridge page's claims: a fallback re-bridges a copy, and no channel is module-wide."""

from collections.abc import Iterable
from decimal import Decimal

import pytest

import snippets.structural.bridge as bridge
from snippets.structural.bridge import (
    Channel,
    DeliveryError,
    EmailChannel,
    Message,
    OrderShipped,
    PasswordReset,
    PaymentFailed,
    SmsChannel,
    channel_named,
    send_with_fallback,
)


def test_a_fallback_leaves_the_callers_notification_on_its_own_channel() -> None:
    sms = SmsChannel(available=False)
    reset = PasswordReset(sms, "160442")
    email = EmailChannel(sender="shop@example.com")
    delivery = send_with_fallback(reset, [(sms, "+4915112345678"), (email, "ben@example.com")])
    assert delivery.channel == "email"
    assert reset.channel is sms

    with pytest.raises(DeliveryError, match="every channel failed"):
        send_with_fallback(reset, [(SmsChannel(available=False), "+4915112345678")])
    assert reset.channel is sms


def channels_in(value: object) -> Iterable[Channel]:
    if isinstance(value, Channel):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from channels_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from channels_in(item)


def test_the_module_holds_no_channel_that_callers_would_share() -> None:
    shared = [
        (name, channel) for name, value in vars(bridge).items() for channel in channels_in(value)
    ]
    assert shared == []


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("NaN"), 249.9])
def test_a_failed_payment_checks_its_amount(amount: Decimal) -> None:
    with pytest.raises(ValueError, match="a failed payment has a positive Decimal amount"):
        PaymentFailed(SmsChannel(), "A-1002", amount)


@pytest.mark.parametrize("body", ["short", "two\r\nlines", "a\rb\u2028c\x0bd", "x" * 500])
def test_an_sms_is_one_line_of_at_most_160_characters(body: str) -> None:
    payload = SmsChannel().send("+4915112345678", Message("Reset\ncode", body)).payload
    assert len(payload.splitlines()) == 1
    assert len(payload) <= SmsChannel.max_length


def test_each_side_checks_what_it_owns() -> None:
    sms = SmsChannel()
    sms_address = r"an SMS needs a phone number like \+49\d+, not 'ben@example\.com'"
    with pytest.raises(ValueError, match=sms_address):
        OrderShipped(sms, "A-1003", "1Z999").send("ben@example.com")
    with pytest.raises(ValueError, match=r"^unknown channel 'fax'; choose one of email, sms$"):
        channel_named({"sms": sms, "email": EmailChannel(sender="shop@example.com")}, "fax")
    with pytest.raises(ValueError, match=r"^a reset code has 6 digits, got '12ab'$"):
        PasswordReset(sms, "12ab")
    with pytest.raises(ValueError, match="order A-1004 has shipped, so it needs a tracking"):
        OrderShipped(sms, "A-1004", " ")
    with pytest.raises(ValueError, match="give at least one"):
        send_with_fallback(PasswordReset(sms, "160442"), [])
