"""Claims of docs/creational/prototype.md that no page block shows."""

import copy
from decimal import Decimal
from typing import Any, ClassVar, Self

import pytest

from snippets.creational.prototype import Invoice, InvoiceNumbering, InvoiceRegistry


class CountedInvoice(Invoice):
    """An invoice that counts how many instances are built, by any route."""

    built: ClassVar[int] = 0

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        CountedInvoice.built += 1
        return super().__new__(cls)


def make_prototype() -> CountedInvoice:
    prototype = CountedInvoice(InvoiceNumbering("T-"), "EUR", payment_terms_days=30)
    prototype.add_line("Platform subscription, monthly", 1, Decimal("490.00"))
    prototype.notes.append("Reverse charge.")
    return prototype


def test_one_clone_builds_one_invoice() -> None:
    prototype = make_prototype()
    CountedInvoice.built = 0
    prototype.clone(customer="Fjord Analytics AS")
    assert CountedInvoice.built == 1
    copy.deepcopy(prototype)
    assert CountedInvoice.built == 2


def test_clone_owns_its_lists_and_shares_lines_and_numbering() -> None:
    prototype = make_prototype()
    prototype.number = "T-00042"
    for twin in (prototype.clone(), copy.deepcopy(prototype)):
        assert twin.lines is not prototype.lines
        assert twin.notes is not prototype.notes
        assert twin.lines[0] is prototype.lines[0]  # frozen, so shared
        assert twin.numbering is prototype.numbering
    assert prototype.clone().number is None
    assert copy.deepcopy(prototype).number == "T-00042"


def test_the_registry_keeps_a_copy_and_hands_out_only_clones() -> None:
    prototype = make_prototype()
    registry = InvoiceRegistry()
    registry.register("eu-business", prototype)
    prototype.add_line("Extra seat, monthly", 5, Decimal("12.00"))  # after registering
    first, second = registry.create("eu-business"), registry.create("eu-business")
    assert first.total() == Decimal("490.00")
    assert first is not second and first.lines is not second.lines
    first.add_line("Onboarding workshop, per day", 1, Decimal("950.00"))
    assert registry.create("eu-business").total() == Decimal("490.00")
    with pytest.raises(ValueError, match="a prototype named 'eu-business' is already"):
        registry.register("eu-business", make_prototype())
