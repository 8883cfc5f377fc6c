"""Microservices: a catalogue and an orders service, each with its own SQLite file.

Run the demo with `python -m snippets.architecture.microservices`; serve one service on
its own with `uvicorn snippets.architecture.microservices.catalogue:app` (see each
module).
"""

from snippets.architecture.microservices.catalogue import (
    KeyReusedError,
    NewProduct,
    OutOfStockError,
    Product,
    ProductNotFoundError,
    ProductStore,
    Reservation,
    create_catalogue_app,
)
from snippets.architecture.microservices.correlation import CorrelationId, request_id
from snippets.architecture.microservices.launcher import (
    Deployment,
    Service,
    ServiceError,
    free_port,
    running_services,
    start_service,
    stop_service,
    wait_until_healthy,
)
from snippets.architecture.microservices.monolith import InProcessCatalogue
from snippets.architecture.microservices.orders import (
    Catalogue,
    CatalogueClient,
    CatalogueError,
    CatalogueProduct,
    CatalogueUnavailableError,
    ContractBrokenError,
    KeyMismatchError,
    NotEnoughStockError,
    Order,
    OrderNotFoundError,
    OrderRequest,
    OrderStore,
    UnknownProductError,
    create_orders_app,
    describe,
    place_order,
)
from snippets.architecture.microservices.outbox import relay

__all__ = [
    "Catalogue",
    "CatalogueClient",
    "CatalogueError",
    "CatalogueProduct",
    "CatalogueUnavailableError",
    "ContractBrokenError",
    "CorrelationId",
    "Deployment",
    "InProcessCatalogue",
    "KeyMismatchError",
    "KeyReusedError",
    "NewProduct",
    "NotEnoughStockError",
    "Order",
    "OrderNotFoundError",
    "OrderRequest",
    "OrderStore",
    "OutOfStockError",
    "Product",
    "ProductNotFoundError",
    "ProductStore",
    "Reservation",
    "Service",
    "ServiceError",
    "UnknownProductError",
    "create_catalogue_app",
    "create_orders_app",
    "describe",
    "free_port",
    "place_order",
    "relay",
    "request_id",
    "running_services",
    "start_service",
    "stop_service",
    "wait_until_healthy",
]
