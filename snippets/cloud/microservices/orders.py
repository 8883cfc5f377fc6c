"""The orders service: owns the orders, and asks the catalogue for prices and stock.

Serve it on its own with `ORDERS_DB=orders.db CATALOGUE_URL=http://127.0.0.1:8001
uvicorn snippets.cloud.microservices.orders:app --port 8002`.
"""

# --8<-- [start:imports]
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

# --8<-- [end:imports]


# --8<-- [start:contract]
SKU_PATTERN = r"^[A-Z]{2}-\d{3}$"


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


def describe(error: ValidationError) -> str:
    """`price_cents missing`: a short, stable summary of what did not match."""
    return ", ".join(
        f"{'.'.join(map(str, item['loc']))} {item['type']}" for item in error.errors()
    )


# --8<-- [end:contract]


# --8<-- [start:client]
class Catalogue(Protocol):
    """What the orders service needs from a catalogue, wherever the catalogue runs."""

    def reserve(self, sku: str, quantity: int) -> CatalogueProduct: ...


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

    def reserve(self, sku: str, quantity: int) -> CatalogueProduct:
        """Set `quantity` units of `sku` aside in the catalogue; return the product."""
        if not re.fullmatch(SKU_PATTERN, sku):
            raise ValueError(f"a SKU looks like 'KB-101', got {sku!r}")
        body = {"quantity": quantity}
        response = self._call("POST", f"/products/{sku}/reserve", body)
        if response.status_code == httpx.codes.NOT_FOUND:
            raise UnknownProductError(_detail(response))
        if response.status_code == httpx.codes.CONFLICT:
            raise NotEnoughStockError(_detail(response))
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

    def is_healthy(self) -> bool:
        """Whether the catalogue's `/health` answers 200 within the timeout."""
        try:
            return self._call("GET", "/health").status_code == httpx.codes.OK
        except CatalogueUnavailableError:
            return False

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        try:
            return self._http.request(method, path, json=body)
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
    """What a customer sends to place an order."""

    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=100)


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


class OrderStore:
    """The orders service's own SQLite database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def create_schema(self) -> None:
        """Create the `orders` table unless it exists."""
        with closing(sqlite3.connect(self.path)) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS orders ("
                " id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,"
                " quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL)"
            )

    def add(self, product: CatalogueProduct, quantity: int) -> Order:
        """Record an order at the price the catalogue gave for `product`."""
        with closing(sqlite3.connect(self.path)) as db, db:
            cursor = db.execute(
                "INSERT INTO orders (sku, name, quantity, unit_price_cents)"
                " VALUES (?, ?, ?, ?)",
                (product.sku, product.name, quantity, product.price_cents),
            )
        assert cursor.lastrowid is not None
        return self.get(cursor.lastrowid)

    def get(self, order_id: int) -> Order:
        """The order with this id, or `OrderNotFoundError`."""
        with closing(sqlite3.connect(self.path)) as db:
            row = db.execute(
                "SELECT id, sku, name, quantity, unit_price_cents"
                " FROM orders WHERE id = ?",
                (order_id,),
            ).fetchone()
        if row is None:
            raise OrderNotFoundError(f"no order {order_id}")
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
    """Reserve the stock in the catalogue, then record the order with today's price."""
    product = catalogue.reserve(request.sku, request.quantity)
    return orders.add(product, request.quantity)


# --8<-- [end:orders-store]


# --8<-- [start:orders-app]
ERROR_STATUS = {
    UnknownProductError: status.HTTP_404_NOT_FOUND,
    NotEnoughStockError: status.HTTP_409_CONFLICT,
    CatalogueUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    ContractBrokenError: status.HTTP_502_BAD_GATEWAY,
}


def create_orders_app(
    db_path: str | Path, catalogue_url: str, *, timeout: float = 1.0
) -> FastAPI:
    """Build the orders ASGI app; it calls the catalogue at `catalogue_url`."""
    orders = OrderStore(db_path)
    catalogue = CatalogueClient(catalogue_url, timeout=timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        orders.create_schema()
        with catalogue:  # closes the pooled connections when the server stops
            yield

    app = FastAPI(title="Orders", lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, str]:
        # Liveness: this process can serve requests. It never calls the catalogue.
        return {"status": "ok", "service": "orders"}

    @app.get("/health/dependencies")
    def dependencies() -> dict[str, str]:
        return {"catalogue": "ok" if catalogue.is_healthy() else "unreachable"}

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
