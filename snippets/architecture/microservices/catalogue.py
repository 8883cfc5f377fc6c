"""The catalogue service: owns the products, their prices and their stock.

Serve it on its own, with its database file in `CATALOGUE_DB`:
`uvicorn snippets.architecture.microservices.catalogue:app --port 8001`.
"""

# --8<-- [start:imports]
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field

from snippets.architecture.microservices.correlation import CorrelationId, log_to_stderr

# --8<-- [end:imports]


# --8<-- [start:catalogue-models]
SKU_PATTERN = r"^[A-Z]{2}-\d{3}$"
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class NewProduct(BaseModel):
    """What the catalogue needs to list a product."""

    sku: str = Field(pattern=SKU_PATTERN, examples=["KB-101"])
    name: str = Field(min_length=1, max_length=80)
    price_cents: int = Field(ge=0)
    stock: int = Field(ge=0)


class Product(NewProduct):
    """A product as the catalogue publishes it: the response other services read."""


class Reservation(BaseModel):
    """How many units of a product a caller wants to set aside, under a key of its own.

    The key makes the request safe to repeat: a reservation is made once per key.
    """

    quantity: int = Field(gt=0, le=100)
    key: str = Field(pattern=KEY_PATTERN, examples=["order-7f3a9c01"])


# --8<-- [end:catalogue-models]


# --8<-- [start:catalogue-store]
class ProductNotFoundError(LookupError):
    """No product has the SKU that was asked for."""


class OutOfStockError(ValueError):
    """A reservation asks for more units than the catalogue holds."""


class KeyReusedError(ValueError):
    """A reservation key comes back with another product or quantity."""


class ProductStore:
    """The catalogue's own SQLite database; no other service opens this file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # One short-lived connection per call: request handlers run in a thread pool.
        with closing(sqlite3.connect(self.path)) as db, db:
            yield db

    def create_schema(self) -> None:
        """Create the `products` and `reservations` tables unless they exist."""
        with self._transaction() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS products ("
                " sku TEXT PRIMARY KEY, name TEXT NOT NULL,"
                " price_cents INTEGER NOT NULL, stock INTEGER NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS reservations (key TEXT PRIMARY KEY,"
                " sku TEXT NOT NULL, quantity INTEGER NOT NULL, answer TEXT NOT NULL)"
            )

    def ping(self) -> None:
        """Raise `sqlite3.Error` unless the database answers a query."""
        with self._transaction() as db:
            db.execute("SELECT COUNT(*) FROM products").fetchone()

    def add(self, product: NewProduct) -> Product:
        """List a new product; `sqlite3.IntegrityError` if its SKU is taken."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO products (sku, name, price_cents, stock)"
                " VALUES (?, ?, ?, ?)",
                (product.sku, product.name, product.price_cents, product.stock),
            )
        return Product(**product.model_dump())

    def get(self, sku: str) -> Product:
        """The product with this SKU, or `ProductNotFoundError`."""
        with self._transaction() as db:
            return self._select(db, sku)

    def reserve(self, sku: str, quantity: int, key: str) -> Product:
        """Take `quantity` units out of stock, once per `key`; a repeated key gets the
        first answer again. Raise if the product is unknown or the stock too low."""
        with self._transaction() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time: check, then act
            done = db.execute(
                "SELECT sku, quantity, answer FROM reservations WHERE key = ?", (key,)
            ).fetchone()
            if done is not None:
                if (done[0], done[1]) != (sku, quantity):
                    raise KeyReusedError(
                        f"reservation key {key!r} was used for {done[1]} of {done[0]!r}"
                    )
                return Product.model_validate_json(done[2])  # reserved already
            updated = db.execute(
                "UPDATE products SET stock = stock - ? WHERE sku = ? AND stock >= ?",
                (quantity, sku, quantity),
            ).rowcount
            product = self._select(db, sku)
            if not updated:
                raise OutOfStockError(f"only {product.stock} of {sku!r} left")
            db.execute(
                "INSERT INTO reservations (key, sku, quantity, answer)"
                " VALUES (?, ?, ?, ?)",
                (key, sku, quantity, product.model_dump_json()),
            )
            return product

    @staticmethod
    def _select(db: sqlite3.Connection, sku: str) -> Product:
        row = db.execute(
            "SELECT sku, name, price_cents, stock FROM products WHERE sku = ?", (sku,)
        ).fetchone()
        if row is None:
            raise ProductNotFoundError(f"no product {sku!r} in the catalogue")
        return Product(sku=row[0], name=row[1], price_cents=row[2], stock=row[3])


# --8<-- [end:catalogue-store]


# --8<-- [start:catalogue-app]
def create_catalogue_app(db_path: str | Path) -> FastAPI:
    """Build the catalogue's ASGI app; its database is created when the app starts."""
    products = ProductStore(db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_to_stderr("catalogue")
        products.create_schema()
        yield

    app = FastAPI(title="Catalogue", lifespan=lifespan)
    app.add_middleware(CorrelationId, service="catalogue")

    @app.get("/livez")
    def live() -> dict[str, str]:
        # Liveness: the process answers. It checks no dependency, so a database
        # outage makes the service unready, not restarted.
        return {"status": "live", "service": "catalogue"}

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        # Readiness: it can serve requests now, which needs its database.
        try:
            products.ping()
        except sqlite3.Error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "database down"
            ) from None
        return {"status": "ready", "service": "catalogue"}

    @app.post("/products", status_code=status.HTTP_201_CREATED)
    def add_product(product: NewProduct) -> Product:
        try:
            return products.add(product)
        except sqlite3.IntegrityError:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"{product.sku!r} is already listed"
            ) from None

    @app.get("/products/{sku}")
    def get_product(sku: str) -> Product:
        try:
            return products.get(sku)
        except ProductNotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    @app.post("/products/{sku}/reserve")
    def reserve(sku: str, reservation: Reservation) -> Product:
        try:
            return products.reserve(sku, reservation.quantity, reservation.key)
        except ProductNotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        except OutOfStockError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        except KeyReusedError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)
            ) from None

    return app


# --8<-- [end:catalogue-app]

# --8<-- [start:catalogue-asgi]
# What `uvicorn snippets.architecture.microservices.catalogue:app` serves; nothing
# touches the disk until the server starts the app.
app = create_catalogue_app(os.environ.get("CATALOGUE_DB", "catalogue.db"))
# --8<-- [end:catalogue-asgi]
