"""Claims of the decorator page about its object decorators that no page block shows."""

import copy
import io
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from snippets.structural.decorator import (
    EXPORT,
    KEY,
    BlobNotFoundError,
    Compressed,
    CorruptDataError,
    Forwarding,
    ForwardingWrites,
    Logged,
    MemoryStore,
    Scrambled,
    open_export_store,
)


def test_a_layer_refuses_what_is_not_a_data_store_when_it_is_built() -> None:
    with pytest.raises(TypeError, match="Compressed wraps a DataStore, not dict"):
        Compressed({})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Logged wraps a DataStore, not list"):
        Logged([], log=[])  # type: ignore[arg-type]


def test_settings_of_the_wrong_type_are_refused_when_the_layers_are_built() -> None:
    with pytest.raises(TypeError, match="a scrambling key is bytes, not str"):
        Scrambled(MemoryStore(), key=KEY.decode())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"zlib compression levels are 0 to 9, got 5\.5"):
        Compressed(MemoryStore(), level=5.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="zlib compression levels are 0 to 9, got 12"):
        Compressed(MemoryStore(), level=12)
    with pytest.raises(ValueError, match="a scrambling key needs at least 16 bytes, got 7"):
        Scrambled(MemoryStore(), key=b"hunter2")


def test_what_a_layer_cannot_read_is_reported_with_the_key() -> None:
    disk = MemoryStore()
    store = open_export_store(disk, compress=True, scramble_key=KEY, log=[])
    store.write("exports/2024-05.csv", EXPORT)
    # Read without the scrambling layer: the compressed layer sees scrambled bytes.
    with pytest.raises(CorruptDataError) as caught:
        Compressed(disk).read("exports/2024-05.csv")
    assert str(caught.value) == (
        "'exports/2024-05.csv' is not zlib data (written through other layers?)"
    )
    with pytest.raises(BlobNotFoundError) as missing:
        store.read("exports/2024-06.csv")
    assert str(missing.value) == "no blob is stored under 'exports/2024-06.csv'"


def test_scrambling_is_not_encryption_a_rewrite_reuses_the_keystream() -> None:
    disk = MemoryStore()
    store = Scrambled(disk, key=KEY)
    first, second = b"INV-00001,Acme GmbH,120.00", b"INV-00001,Acme GmbH,999.00"
    store.write("exports/2024-05.csv", first)
    old_blob = disk.read("exports/2024-05.csv")
    store.write("exports/2024-05.csv", second)
    new_blob = disk.read("exports/2024-05.csv")
    # XOR of the two stored blobs equals XOR of the two plaintexts: the key cancels out.
    assert bytes(a ^ b for a, b in zip(old_blob, new_blob, strict=True)) == bytes(
        a ^ b for a, b in zip(first, second, strict=True)
    )
    assert store.read("exports/2024-05.csv") == second


@pytest.mark.parametrize(
    ("use", "message"),
    [
        (len, "object of type 'Forwarding' has no len()"),
        (iter, "'Forwarding' object is not iterable"),
        (lambda wrapped: b"INV" in wrapped, "argument of type 'Forwarding' is not iterable"),
        (lambda wrapped: wrapped + b"", r"unsupported operand type\(s\) for \+"),
    ],
)
def test_special_methods_do_not_go_through_getattr(
    use: Callable[[Any], object], message: str
) -> None:
    looked_up: list[str] = []
    wrapped: Any = Forwarding(io.BytesIO(b"INV-00001\n"), looked_up)
    with pytest.raises(TypeError, match=message):
        use(wrapped)
    assert looked_up == []  # __getattr__ was never asked
    assert wrapped.readline() == b"INV-00001\n"  # while named methods are forwarded


def test_with_does_not_go_through_getattr_either() -> None:
    wrapped: Any = Forwarding(io.BytesIO(), [])
    with (
        pytest.raises(TypeError, match="does not support the context manager protocol"),
        wrapped,
    ):
        pass
    assert wrapped.__enter__() is wrapped._inner  # called by name, it is forwarded


@pytest.mark.parametrize("wrapper", [Forwarding, ForwardingWrites])
def test_a_forwarding_wrapper_survives_copy_and_pickle(wrapper: type[Forwarding]) -> None:
    # Both build the copy without __init__ and then ask it for __setstate__: without the
    # guard in __getattr__, looking up the missing _log and _inner recursed forever.
    original = wrapper({"USD": "1.0842"}, [])
    for duplicate in (copy.copy(original), pickle.loads(pickle.dumps(original))):
        assert duplicate.get("USD") == "1.0842"
