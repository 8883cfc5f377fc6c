"""Lazy loading: a customer record, parsers and a renderer that load on first use.

Run it with `python -m snippets.performance.lazy_loading`.
"""

# --8<-- [start:imports]
import itertools
import math
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from string import Template
from types import ModuleType
from typing import Any, Protocol, Self

# --8<-- [end:imports]


# --8<-- [start:database]
CUSTOMERS = [(1, "Nordlicht Books"), (2, "Café Anker"), (3, "Berg & Tal Outdoor")]
ORDERS = [  # order id, customer id, date placed, total in cents
    (1001, 1, "2024-01-09", 4990),
    (1002, 2, "2024-01-17", 12800),
    (1003, 1, "2024-02-02", 2350),
    (1004, 3, "2024-02-20", 8900),
    (1005, 1, "2024-03-11", 15600),
    (1006, 1, "2024-04-05", 3100),
    (1007, 2, "2024-04-28", 6400),
    (1008, 1, "2024-05-14", 11990),
    (1009, 1, "2024-06-03", 780),
    (1010, 3, "2024-06-21", 4500),
    (1011, 1, "2024-07-08", 20900),
    (1012, 2, "2024-07-30", 1990),
]


def open_shop() -> sqlite3.Connection:
    """A real SQLite database, in memory, with the customers and their orders."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,"
        " placed TEXT NOT NULL, total_cents INTEGER NOT NULL)"
    )
    db.executemany("INSERT INTO customers VALUES (?, ?)", CUSTOMERS)
    db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    db.commit()
    return db


# --8<-- [end:database]


# --8<-- [start:customer]
@dataclass(frozen=True)
class Order:
    id: int
    placed: str  # ISO date
    total: Decimal  # EUR


def to_order(row: tuple[int, str, int]) -> Order:
    order_id, placed, cents = row
    return Order(order_id, placed, Decimal(cents).scaleb(-2))


class Customer:
    """A customer record: the name at once, the order history when first read."""

    def __init__(self, db: sqlite3.Connection, customer_id: int, name: str) -> None:
        self._db = db
        self.id = customer_id
        self.name = name

    @classmethod
    def load(cls, db: sqlite3.Connection, customer_id: int) -> Self:
        row = db.execute(
            "SELECT name FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"no customer with id {customer_id}")
        return cls(db, customer_id, row[0])

    @classmethod
    def all(cls, db: sqlite3.Connection) -> list[Self]:
        rows = db.execute("SELECT id, name FROM customers ORDER BY id")
        return [cls(db, customer_id, name) for customer_id, name in rows]

    @cached_property
    def orders(self) -> list[Order]:
        """Every order, oldest first: one query, on first access only."""
        rows = self._db.execute(
            "SELECT id, placed, total_cents FROM orders"
            " WHERE customer_id = ? ORDER BY id",
            (self.id,),
        )
        return [to_order(row) for row in rows]

    @cached_property
    def lifetime_value(self) -> Decimal:
        """What the customer has spent, computed from `orders`: no query of its own."""
        return sum((order.total for order in self.orders), Decimal(0))

    def refresh(self) -> None:
        """Forget what was loaded; the next read loads it again."""
        for name in ("orders", "lifetime_value"):
            self.__dict__.pop(name, None)


# --8<-- [end:customer]


# --8<-- [start:deferred]
def invoice_xml(buyer: str, order: Order) -> str:
    """The order as a minimal e-invoice, for customers whose accounting wants XML."""
    from xml.etree import ElementTree  # deferred: most runs never send an e-invoice

    invoice = ElementTree.Element("Invoice", number=f"INV-{order.id}")
    ElementTree.SubElement(invoice, "Buyer").text = buyer
    ElementTree.SubElement(invoice, "Total", currency="EUR").text = str(order.total)
    return ElementTree.tostring(invoice, encoding="unicode")


# --8<-- [end:deferred]


# --8<-- [start:module-getattr]
def add_lazy_attributes(
    namespace: dict[str, Any], loaders: Mapping[str, Callable[[], object]]
) -> None:
    """Give a module PEP 562 hooks: each name in `loaders` loads on first access.

    In a module's own file: `add_lazy_attributes(globals(), {"toml": load_toml})`.
    """
    module_name = namespace["__name__"]

    def module_getattr(name: str) -> object:  # called only for names not yet there
        if name not in loaders:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = namespace[name] = loaders[name]()  # stored: never called again
        return value

    def module_dir() -> list[str]:
        return sorted({*namespace, *loaders})

    namespace["__getattr__"] = module_getattr
    namespace["__dir__"] = module_dir


# --8<-- [end:module-getattr]


# --8<-- [start:generator]
def order_history(
    db: sqlite3.Connection, customer_id: int, page_size: int = 50
) -> Iterator[Order]:
    """A customer's orders, newest first, one query per page, as they are consumed."""
    if page_size < 1:  # checked at the call, not at the first next()
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    return _order_pages(db, customer_id, page_size)


def _order_pages(
    db: sqlite3.Connection, customer_id: int, page_size: int
) -> Iterator[Order]:
    before: float = math.inf  # SQLite compares integer ids with it: above them all
    while True:
        page = db.execute(
            "SELECT id, placed, total_cents FROM orders WHERE customer_id = ?"
            " AND id < ? ORDER BY id DESC LIMIT ?",
            (customer_id, before, page_size),
        ).fetchall()
        yield from map(to_order, page)
        if len(page) < page_size:
            return
        before = page[-1][0]


# --8<-- [end:generator]


# --8<-- [start:virtual-proxy]
class InvoiceRenderer(Protocol):
    def render(self, buyer: str, order: Order) -> str: ...


class TemplateRenderer:
    """The real subject: stands in for a template engine that is slow to set up."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        self._templates = {name: Template(text) for name, text in templates.items()}
        for name, template in self._templates.items():
            if not template.is_valid():
                raise ValueError(f"template {name!r} has a malformed placeholder")

    def render(self, buyer: str, order: Order) -> str:
        return self._templates["invoice"].substitute(
            buyer=buyer, number=order.id, placed=order.placed, total=order.total
        )


class LazyRenderer:
    """Virtual proxy: builds the real renderer on the first call, once."""

    def __init__(self, build: Callable[[], InvoiceRenderer]) -> None:
        self._build = build
        self._real: InvoiceRenderer | None = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._real is not None

    def _subject(self) -> InvoiceRenderer:
        real = self._real
        if real is None:  # once built, no lock is taken
            with self._lock:
                if self._real is None:  # another thread may have built it meanwhile
                    self._real = self._build()  # if it raises, the next call retries
                real = self._real
        return real

    def render(self, buyer: str, order: Order) -> str:
        return self._subject().render(buyer, order)


def latest_invoice_mails(
    renderer: InvoiceRenderer, customer: Customer, count: int = 2
) -> list[str]:
    """Mails for the customer's `count` latest orders, oldest first.

    The caller: it cannot tell a proxy from the real renderer, nor needs to.
    """
    latest = customer.orders[-count:] if count > 0 else []
    return [renderer.render(customer.name, order) for order in latest]


INVOICE_TEMPLATES = {
    "invoice": "Dear $buyer, invoice INV-$number of $placed: $total EUR."
}


# --8<-- [end:virtual-proxy]


# --8<-- [start:preload]
def preload_orders(db: sqlite3.Connection, customers: Iterable[Customer]) -> None:
    """Fill the `orders` of these customers with one query, for a page showing all."""
    customers = list(customers)
    ids = [customer.id for customer in customers]
    placeholders = ", ".join(["?"] * len(ids))  # one per customer: (?, ?, ?)
    by_customer: defaultdict[int, list[Order]] = defaultdict(list)
    rows = db.execute(
        "SELECT customer_id, id, placed, total_cents FROM orders"
        f" WHERE customer_id IN ({placeholders}) ORDER BY id",
        ids,
    )
    for customer_id, order_id, placed, cents in rows:
        by_customer[customer_id].append(to_order((order_id, placed, cents)))
    for customer in customers:
        customer.orders = by_customer[customer.id]  # stored where the cache looks
        customer.__dict__.pop("lifetime_value", None)  # computed from the old list


# --8<-- [end:preload]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-cached]
    shop = open_shop()
    queries: list[str] = []
    shop.set_trace_callback(queries.append)  # sees every SQL statement
    customer = Customer.load(shop, 1)
    print(customer.name, list(vars(customer)), len(queries))
    #> Nordlicht Books ['_db', 'id', 'name'] 1
    print(len(customer.orders), customer.lifetime_value, len(queries))
    #> 7 597.10 2
    print(list(vars(customer)))
    #> ['_db', 'id', 'name', 'orders', 'lifetime_value']
    print(len(customer.orders), customer.lifetime_value, len(queries))
    #> 7 597.10 2
    del customer.orders  # the next read runs the query again
    print(len(customer.orders), len(queries))
    #> 7 3
    # --8<-- [end:demo-cached]

    # --8<-- [start:demo-module-getattr]
    loaded: list[str] = []


    def load_toml() -> Callable[[str], dict[str, Any]]:
        import tomllib  # deferred as well

        loaded.append("toml")
        return tomllib.loads


    def load_json() -> Callable[[str], Any]:
        import json

        loaded.append("json")
        return json.loads


    config_formats = ModuleType("config_formats")
    add_lazy_attributes(vars(config_formats), {"toml": load_toml, "json": load_json})
    print([name for name in dir(config_formats) if not name.startswith("_")], loaded)
    #> ['json', 'toml'] []
    settings = config_formats.toml('currency = "EUR"\nvat_rate = 0.19')
    print(settings, loaded, "toml" in vars(config_formats))
    #> {'currency': 'EUR', 'vat_rate': 0.19} ['toml'] True
    config_formats.toml("page_size = 50")  # a plain attribute now
    print(loaded)
    #> ['toml']
    try:
        parse_yaml = config_formats.yaml
    except AttributeError as exc:
        print(exc)
        #> module 'config_formats' has no attribute 'yaml'
    # --8<-- [end:demo-module-getattr]

    # --8<-- [start:demo-generator]
    queries.clear()
    history = order_history(shop, 1, page_size=3)
    print(len(queries), "queries before the first order is asked for")
    #> 0 queries before the first order is asked for
    latest = list(itertools.islice(history, 4))
    print([order.id for order in latest], len(queries), "queries")
    #> [1011, 1009, 1008, 1006] 2 queries
    queries.clear()
    print(sum(1 for _ in order_history(shop, 1, page_size=3)), len(queries), "queries")
    #> 7 3 queries
    # --8<-- [end:demo-generator]

    # --8<-- [start:demo-virtual-proxy]
    builds: list[str] = []


    def build_renderer() -> InvoiceRenderer:
        builds.append("templates loaded")
        return TemplateRenderer(INVOICE_TEMPLATES)


    renderer = LazyRenderer(build_renderer)
    print(renderer.is_loaded, builds)
    #> False []
    for mail in latest_invoice_mails(renderer, customer):
        print(mail)
        #> Dear Nordlicht Books, invoice INV-1009 of 2024-06-03: 7.80 EUR.
        #> Dear Nordlicht Books, invoice INV-1011 of 2024-07-08: 209.00 EUR.
    latest_invoice_mails(renderer, Customer.load(shop, 2))
    print(renderer.is_loaded, builds)
    #> True ['templates loaded']
    # --8<-- [end:demo-virtual-proxy]
    # fmt: on
