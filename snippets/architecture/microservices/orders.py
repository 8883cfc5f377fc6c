"""The orders service: owns the orders, and asks the catalogue for prices and stock.

Serve it on its own with `ORDERS_DB=orders.db CATALOGUE_URL=http://127.0.0.1:8001
uvicorn snippets.architecture.microservices.orders:app --port 8002`.
"""

# --8<-- [start:imports]
import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Protocol, Self

import httpx
from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field, ValidationError

from snippets.architecture.microservices.correlation import (
    HEADER,
    CorrelationId,
    log_to_stderr,
    request_id,
)

# --8<-- [end:imports]


# --8<-- [start:contract]
SKU_PATTERN = r"^[A-Z]{2}-\d{3}$"
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class CatalogueProduct(BaseModel):
    """The consumer's side of the contract: the catalogue fields that orders relies on.

    The orders service keeps its own model instead of importing the catalogue's, and
    ignores fields it does not use, so the catalogue may add fields freely. Renaming or
    retyping one of these three breaks the contract, and the contract test says so.
    """

    sku: str
    name: str
    price_cents: int


class CatalogueError(Exception):
    """The catalogue could not serve a reservation."""


class UnknownProductError(CatalogueError):
    """The catalogue has no product with that SKU."""


class NotEnoughStockError(CatalogueError):
    """The catalogue holds fewer units than the order asks for."""


class CatalogueUnavailableError(CatalogueError):
    """The catalogue did not answer in time, refused the connection or failed."""


class ContractBrokenError(CatalogueError):
    """The catalogue answered with a body the orders service cannot read."""


class KeyMismatchError(CatalogueError):
    """An idempotency key came back with another product or quantity."""


def describe(error: ValidationError) -> str:
    """`price_cents missing`: a short, stable summary of what did not match."""
    return ", ".join(
        f"{'.'.join(map(str, item['loc']))} {item['type']}" for item in error.errors()
    )


# --8<-- [end:contract]


# --8<-- [start:client]
class Catalogue(Protocol):
    """What the orders service needs from a catalogue, wherever the catalogue runs."""

    def reserve(self, sku: str, quantity: int, key: str) -> CatalogueProduct: ...


class CatalogueClient:
    """The catalogue over HTTP: a pooled `httpx.Client` with a short timeout."""

    def __init__(self, base_url: str, *, timeout: float = 1.0) -> None:
        if not re.match(r"https?://", base_url):
            raise ValueError(
                f"the catalogue URL needs http:// or https://, got {base_url!r}"
            )
        if timeout <= 0:
            raise ValueError(f"the timeout must be positive, got {timeout}")
        self.timeout = timeout
        self._http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(timeout))

    def reserve(self, sku: str, quantity: int, key: str) -> CatalogueProduct:
        """Set `quantity` units of `sku` aside, once per `key`; return the product.

        Safe to repeat with the same key: the catalogue then reserves nothing more.
        """
        if not re.fullmatch(SKU_PATTERN, sku):
            raise ValueError(f"a SKU looks like 'KB-101', got {sku!r}")
        if not re.fullmatch(KEY_PATTERN, key):
            raise ValueError(f"a key is 8 to 64 of A-Z a-z 0-9 _ -, got {key!r}")
        if not 0 < quantity <= 100:
            raise ValueError(f"a quantity is 1 to 100, got {quantity}")
        body = {"quantity": quantity, "key": key}
        response = self._call("POST", f"/products/{sku}/reserve", body)
        if response.status_code == httpx.codes.NOT_FOUND:
            raise UnknownProductError(_detail(response))
        if response.status_code == httpx.codes.CONFLICT:
            raise NotEnoughStockError(_detail(response))
        if response.status_code == httpx.codes.UNPROCESSABLE_ENTITY:
            raise KeyMismatchError(_detail(response))
        if response.status_code != httpx.codes.OK:
            raise CatalogueUnavailableError(
                f"the catalogue answered {response.status_code}"
            )
        try:
            return CatalogueProduct.model_validate_json(response.content)
        except ValidationError as exc:
            raise ContractBrokenError(
                f"unexpected catalogue response: {describe(exc)}"
            ) from None

    def is_ready(self) -> bool:
        """Whether the catalogue's `/readyz` answers 200 within the timeout."""
        try:
            return self._call("GET", "/readyz").status_code == httpx.codes.OK
        except CatalogueUnavailableError:
            return False

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        rid = request_id.get()  # the id of the request being served, passed on
        headers = {HEADER: rid} if rid else {}
        try:
            return self._http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            raise CatalogueUnavailableError(
                f"the catalogue did not answer within {self.timeout} s"
            ) from None
        except httpx.TransportError:
            raise CatalogueUnavailableError("the catalogue is unreachable") from None

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json()["detail"])
    except (ValueError, KeyError, TypeError):
        return f"the catalogue answered {response.status_code}"


# --8<-- [end:client]


# --8<-- [start:orders-store]
class OrderRequest(BaseModel):
    """What a customer sends: one `key` per click, sent again with every retry."""

    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=100)
    key: str = Field(pattern=KEY_PATTERN)


class Order(BaseModel):
    """An order, with the name and the price copied from the catalogue at order time."""

    id: int
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    total_cents: int


class OrderNotFoundError(LookupError):
    """No order has that id."""


SELECT_ORDER = "SELECT id, sku, name, quantity, unit_price_cents FROM orders"


class OrderStore:
    """The orders service's own SQLite database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def create_schema(self) -> None:
        """Create the `orders` and `outbox` tables unless they exist."""
        with closing(sqlite3.connect(self.path)) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS orders ("
                " id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, sku TEXT NOT NULL,"
                " name TEXT NOT NULL, quantity INTEGER NOT NULL,"
                " unit_price_cents INTEGER NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY,"
                " event TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0)"
            )

    def ping(self) -> None:
        """Raise `sqlite3.Error` unless the database answers a query."""
        with closing(sqlite3.connect(self.path)) as db:
            db.execute("SELECT COUNT(*) FROM orders").fetchone()

    def add(self, product: CatalogueProduct, quantity: int, key: str) -> Order:
        """Record an order at the price the catalogue gave, once per `key`, and its
        `order_placed` event in the outbox: one transaction, so both or neither."""
        with closing(sqlite3.connect(self.path)) as db, db:
            added = db.execute(
                "INSERT INTO orders (key, sku, name, quantity, unit_price_cents)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, product.sku, product.name, quantity, product.price_cents),
            )
            if added.rowcount:  # a new order, not a repeat of its key
                event = {"type": "order_placed", "order": added.lastrowid}
                event |= {"sku": product.sku, "quantity": quantity}
                db.execute(
                    "INSERT INTO outbox (event) VALUES (?)", (json.dumps(event),)
                )
        order = self.find(key)
        assert order is not None
        return order

    def get(self, order_id: int) -> Order:
        """The order with this id, or `OrderNotFoundError`."""
        order = self._select(f"{SELECT_ORDER} WHERE id = ?", order_id)
        if order is None:
            raise OrderNotFoundError(f"no order {order_id}")
        return order

    def find(self, key: str) -> Order | None:
        """The order placed under this idempotency key, if any."""
        return self._select(f"{SELECT_ORDER} WHERE key = ?", key)

    def _select(self, query: str, value: int | str) -> Order | None:
        with closing(sqlite3.connect(self.path)) as db:
            row = db.execute(query, (value,)).fetchone()
        if row is None:
            return None
        order_id, sku, name, quantity, unit_price = row
        return Order(
            id=order_id,
            sku=sku,
            name=name,
            quantity=quantity,
            unit_price_cents=unit_price,
            total_cents=quantity * unit_price,
        )


def place_order(
    catalogue: Catalogue, orders: OrderStore, request: OrderRequest
) -> Order:
    """Reserve the stock in the catalogue, then record the order with today's price.

    Safe to repeat with the same key: a placed order is returned as it is, and a
    reservation made before a failure is not made twice.
    """
    placed = orders.find(request.key)
    if placed is None:
        product = catalogue.reserve(request.sku, request.quantity, request.key)
        placed = orders.add(product, request.quantity, request.key)
    if (placed.sku, placed.quantity) != (request.sku, request.quantity):
        raise KeyMismatchError(f"order key {request.key!r} was used for another order")
    return placed


# --8<-- [end:orders-store]


# --8<-- [start:orders-app]
ERROR_STATUS = {
    UnknownProductError: status.HTTP_404_NOT_FOUND,
    NotEnoughStockError: status.HTTP_409_CONFLICT,
    CatalogueUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    ContractBrokenError: status.HTTP_502_BAD_GATEWAY,
    KeyMismatchError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


def create_orders_app(
    db_path: str | Path, catalogue_url: str, *, timeout: float = 1.0
) -> FastAPI:
    """Build the orders ASGI app; it calls the catalogue at `catalogue_url`."""
    orders = OrderStore(db_path)
    catalogue = CatalogueClient(catalogue_url, timeout=timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_to_stderr("orders")
        orders.create_schema()
        with catalogue:  # closes the pooled connections when the server stops
            yield

    app = FastAPI(title="Orders", lifespan=lifespan)
    app.add_middleware(CorrelationId, service="orders")

    @app.get("/livez")
    def live() -> dict[str, str]:
        return {"status": "live", "service": "orders"}

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        # Its own database only: with the catalogue down, orders still serves orders.
        try:
            orders.ping()
        except sqlite3.Error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "database down"
            ) from None
        return {"status": "ready", "service": "orders"}

    @app.get("/dependencies")
    def dependencies() -> dict[str, str]:
        return {"catalogue": "ready" if catalogue.is_ready() else "unreachable"}

    @app.post("/orders", status_code=status.HTTP_201_CREATED)
    def create_order(request: OrderRequest) -> Order:
        try:
            return place_order(catalogue, orders, request)
        except CatalogueError as exc:
            raise HTTPException(ERROR_STATUS[type(exc)], str(exc)) from None

    @app.get("/orders/{order_id}")
    def get_order(order_id: int) -> Order:
        try:
            return orders.get(order_id)
        except OrderNotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    return app


# --8<-- [end:orders-app]

# --8<-- [start:orders-asgi]
app = create_orders_app(
    os.environ.get("ORDERS_DB", "orders.db"),
    os.environ.get("CATALOGUE_URL", "http://127.0.0.1:8001"),
    timeout=float(os.environ.get("CATALOGUE_TIMEOUT", "1.0")),
)
# --8<-- [end:orders-asgi]
