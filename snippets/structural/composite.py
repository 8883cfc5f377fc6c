"""Composite: price a bundle of products and nested bundles as if it were one product.

Run it with `python -m snippets.structural.composite`.
"""

# --8<-- [start:imports]
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Self

CENT = Decimal("0.01")
# --8<-- [end:imports]


# --8<-- [start:component]
class PricingError(ValueError):
    """A product or bundle is defined in a way that cannot be priced."""


class Component(ABC):
    """Anything a quote can contain: a single product, or a bundle of components."""

    name: str

    @abstractmethod
    def price(self) -> Decimal:
        """What this component costs, discounts included."""

    @abstractmethod
    def item_count(self) -> int:
        """How many physical items it ships as."""

    @abstractmethod
    def describe(self) -> str:
        """One line for a quote, without the price."""

    def children(self) -> tuple["Component", ...]:
        """The components directly inside this one; a leaf has none."""
        return ()

    def walk(self) -> Iterator[tuple[int, "Component"]]:
        """Yield this component and everything inside it, depth first, with its depth.

        It keeps its own stack instead of calling itself, so no tree is too deep for it.
        """
        stack: list[tuple[int, Component]] = [(0, self)]
        while stack:
            depth, component = stack.pop()
            yield depth, component
            inner = reversed(component.children())
            stack.extend((depth + 1, child) for child in inner)


# --8<-- [end:component]


# --8<-- [start:leaf]
@dataclass(frozen=True)
class Product(Component):
    """A leaf: one catalogue article, possibly several of it."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int = 1

    def __post_init__(self) -> None:
        price, quantity = self.unit_price, self.quantity
        if not (isinstance(price, Decimal) and price.is_finite() and price >= 0):
            raise PricingError(
                f"{self.sku}: price is a finite Decimal >= 0, not {price!r}"
            )
        if not isinstance(quantity, int) or quantity < 1:
            raise PricingError(f"{self.sku}: quantity is an int >= 1, not {quantity!r}")

    def price(self) -> Decimal:
        return self.unit_price * self.quantity

    def item_count(self) -> int:
        return self.quantity

    def describe(self) -> str:
        return f"{self.quantity} x {self.name}"


# --8<-- [end:leaf]


# --8<-- [start:composite]
class Bundle(Component):
    """A composite: components sold together, with an optional discount on the lot."""

    def __init__(self, name: str, discount_percent: int = 0) -> None:
        if not isinstance(discount_percent, int) or not 0 <= discount_percent < 100:
            raise PricingError(
                f"{name}: a discount is 0 to 99 percent, got {discount_percent!r}"
            )
        self.name = name
        self.discount_percent = discount_percent
        self._children: list[Component] = []

    def add(self, *components: Component) -> Self:
        """Put components into the bundle; add none if one of them is refused."""
        for component in components:
            if not isinstance(component, Component):
                raise PricingError(
                    f"{self.name!r} holds products and bundles, not {component!r}"
                )
            if component is self:
                raise PricingError(f"cannot add {self.name!r} to itself")
            if any(inner is self for _, inner in component.walk()):
                raise PricingError(
                    f"cannot add {component.name!r} to {self.name!r}, which it contains"
                )
        self._children.extend(components)
        return self

    def children(self) -> tuple[Component, ...]:
        return tuple(self._children)

    def price(self) -> Decimal:
        """Ask every child for its price, the same way for bundles and products."""
        subtotal = sum((child.price() for child in self._children), Decimal(0))
        discounted = subtotal * (100 - self.discount_percent) / 100
        return discounted.quantize(CENT, rounding=ROUND_HALF_UP)

    def item_count(self) -> int:
        return sum(child.item_count() for child in self._children)

    def describe(self) -> str:
        if self.discount_percent:
            return f"{self.name} (-{self.discount_percent}%)"
        return self.name


# --8<-- [end:composite]


# --8<-- [start:clients]
def quote(root: Component) -> str:
    """An indented quote with one line per component, whatever its kind."""
    return "\n".join(
        f"{'  ' * depth}{component.describe():<{40 - 2 * depth}}{component.price():>9}"
        for depth, component in root.walk()
    )


def pick_list(root: Component) -> Counter[str]:
    """What the warehouse picks: the quantity of each SKU, across all bundles."""
    picks: Counter[str] = Counter()
    for _, component in root.walk():
        if isinstance(component, Product):
            picks[component.sku] += component.quantity
    return picks


# --8<-- [end:clients]


# --8<-- [start:parents]
class Category:
    """A category of the shop's catalogue: it knows its parent, so it has only one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parent: Category | None = None
        self._children: list[Category] = []

    def add(self, child: "Category") -> None:
        """Move `child` here from wherever it was; refuse to make a cycle."""
        if child in self.lineage():
            raise ValueError(f"cannot move {child.name!r} into itself or below itself")
        if child.parent is not None:
            child.parent.remove(child)
        child.parent = self
        self._children.append(child)

    def remove(self, child: "Category") -> None:
        if child.parent is not self:
            raise ValueError(f"{child.name!r} is not in {self.name!r}")
        self._children.remove(child)
        child.parent = None

    def children(self) -> tuple["Category", ...]:
        return tuple(self._children)

    def lineage(self) -> list["Category"]:
        """From the root down to this category: a breadcrumb, found by parent links."""
        line = [self]
        while (parent := line[-1].parent) is not None:
            line.append(parent)
        return line[::-1]


# --8<-- [end:parents]


# --8<-- [start:pythonic]
def price_of(spec: Mapping[str, Any]) -> Decimal:
    """Price a bundle given as nested dictionaries, as a shop's JSON API sends it."""
    match {"quantity": 1, "discount": 0, **spec}:  # the defaults, then the spec
        case {"sku": str(), "price": str(unit_price), "quantity": int(n)} if n >= 1:
            return Decimal(unit_price) * n
        case {"bundle": str(), "items": list(items), "discount": int(pct)} if (
            0 <= pct < 100
        ):
            subtotal = sum((price_of(item) for item in items), Decimal(0))
            return (subtotal * (100 - pct) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        case _:
            raise PricingError(f"not a valid product or bundle: {spec!r}")


def leaves(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every product in the tree, found by a recursive generator."""
    match spec:
        case {"items": list(items)}:
            for item in items:
                yield from leaves(item)
        case _:
            yield spec


OFFICE_KIT = {
    "bundle": "Home office kit",
    "discount": 10,
    "items": [
        {"sku": "LAP-14", "price": "1199.00"},
        {"sku": "MON-27", "price": "279.00", "quantity": 2},
        {
            "bundle": "Peripherals",
            "discount": 5,
            "items": [
                {"sku": "KB-TKL", "price": "89.00"},
                {"sku": "MS-ERGO", "price": "49.00"},
            ],
        },
    ],
}
# --8<-- [end:pythonic]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    peripherals = Bundle("Peripherals", discount_percent=5).add(
        Product("KB-TKL", "Mechanical keyboard", Decimal("89.00")),
        Product("MS-ERGO", "Ergonomic mouse", Decimal("49.00")),
    )
    office = Bundle("Home office kit", discount_percent=10).add(
        Product("LAP-14", "14-inch laptop", Decimal("1199.00")),
        Product("MON-27", "27-inch monitor", Decimal("279.00"), quantity=2),
        peripherals,
    )
    print(quote(office))
    '''
    Home office kit (-10%)                    1699.29
      1 x 14-inch laptop                      1199.00
      2 x 27-inch monitor                      558.00
      Peripherals (-5%)                        131.10
        1 x Mechanical keyboard                 89.00
        1 x Ergonomic mouse                     49.00
    '''
    # --8<-- [end:demo]

    # --8<-- [start:demo-uniform]
    cable = Product("CBL-HDMI", "HDMI cable, 2 m", Decimal("9.90"), quantity=3)
    for component in (cable, peripherals, office):
        print(f"{component.name}: {component.item_count()} items, {component.price()}")
        #> HDMI cable, 2 m: 3 items, 29.70
        #> Peripherals: 2 items, 131.10
        #> Home office kit: 5 items, 1699.29
    # --8<-- [end:demo-uniform]

    # --8<-- [start:demo-walk]
    order = Bundle("Order 2024-117").add(office, office, cable)
    print(order.price(), order.item_count())
    #> 3428.28 13
    print(sorted(pick_list(order).items()))
    #> [('CBL-HDMI', 3), ('KB-TKL', 2), ('LAP-14', 2), ('MON-27', 4), ('MS-ERGO', 2)]
    # --8<-- [end:demo-walk]

    # --8<-- [start:demo-parents]
    shop, pcs, screens, monitors = map(Category, ["Shop", "PCs", "Screens", "Monitors"])
    for parent, child in [(shop, pcs), (shop, screens), (pcs, monitors)]:
        parent.add(child)
    screens.add(monitors)  # a move: pcs lets go of it
    print(pcs.children(), [category.name for category in monitors.lineage()])
    #> () ['Shop', 'Screens', 'Monitors']
    shop.remove(screens)
    print(screens.parent, [category.name for category in monitors.lineage()])
    #> None ['Screens', 'Monitors']
    try:
        monitors.add(screens)
    except ValueError as exc:
        print(exc)
        #> cannot move 'Screens' into itself or below itself
    # --8<-- [end:demo-parents]

    # --8<-- [start:demo-pythonic]
    print(price_of(OFFICE_KIT))
    #> 1699.29
    print([leaf["sku"] for leaf in leaves(OFFICE_KIT)])
    #> ['LAP-14', 'MON-27', 'KB-TKL', 'MS-ERGO']
    try:
        price_of({"name": "Gift card", "value": "50.00"})
    except PricingError as exc:
        print(exc)
        #> not a valid product or bundle: {'name': 'Gift card', 'value': '50.00'}
    # --8<-- [end:demo-pythonic]
    # fmt: on
