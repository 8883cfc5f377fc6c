"""Claims of the decorator page about its object decorators that no page block shows."""

import pytest

from snippets.structural.decorator import KEY, Compressed, Logged, MemoryStore, Scrambled


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
