"""Claims of the mediator page that its blocks do not print: nothing is left running."""

from __future__ import annotations

import asyncio

import pytest

from snippets.behavioral.mediator import EventBus, OrderPlaced, run_shop


def test_the_shop_leaves_no_task_behind() -> None:
    async def shop_then_look_around() -> tuple[list[str], set[asyncio.Task[object]]]:
        packed = await run_shop()
        return packed, asyncio.all_tasks() - {asyncio.current_task()}

    packed, still_running = asyncio.run(shop_then_look_around())
    assert packed == ["web order 501", "web order 502", "phone order 601"]
    assert still_running == set(), "the cancelled packer was not awaited"


def test_an_event_type_that_is_not_a_class_is_refused() -> None:
    bus = EventBus()
    with pytest.raises(TypeError, match="an event type must be a class, got 'OrderPlaced'"):
        bus.subscribe("OrderPlaced", print)  # type: ignore[arg-type]
    assert bus.publish(OrderPlaced(501, "ada@nordwind.example")) == 0


def test_unsubscribing_twice_names_the_handler_and_the_event() -> None:
    bus = EventBus()
    seen: list[OrderPlaced] = []
    unsubscribe = bus.subscribe(OrderPlaced, seen.append)
    unsubscribe()
    with pytest.raises(LookupError, match="is no longer subscribed to OrderPlaced"):
        unsubscribe()
    assert bus.publish(OrderPlaced(501, "ada@nordwind.example")) == 0 and seen == []


def test_a_handler_that_is_not_callable_is_refused() -> None:
    bus = EventBus()
    with pytest.raises(TypeError, match="a handler must be callable, got 'send_invoice'"):
        bus.subscribe(OrderPlaced, "send_invoice")  # type: ignore[arg-type]
    assert bus.publish(OrderPlaced(501, "ada@nordwind.example")) == 0
