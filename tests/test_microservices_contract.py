"""The contract between the two services of the microservices page, checked for real.

The orders service reads the catalogue's answers through a model of its own,
`CatalogueProduct`, and the `detail` text of its errors. These tests start both services
as real uvicorn processes on free ports of 127.0.0.1, ask the catalogue exactly what the
orders service asks it, and check every answer against what the orders service relies on.
A catalogue change that would break the orders service (renaming `price_cents`, say)
fails here, although the catalogue on its own still looks fine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from snippets.cloud.microservices import (
    CatalogueClient,
    CatalogueProduct,
    Deployment,
    NotEnoughStockError,
    UnknownProductError,
    running_services,
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Both services as real processes, stopped by process id after the module's tests."""
    with running_services(tmp_path_factory.mktemp("microservices")) as deployment:
        yield deployment
    for service in (deployment.catalogue, deployment.orders):
        assert service.process.returncode is not None, f"{service.name} still runs"
        with pytest.raises(ProcessLookupError):
            os.kill(service.process.pid, 0)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def add_product(http: httpx.Client, catalogue_url: str, sku: str, stock: int = 5) -> None:
    product = {"sku": sku, "name": "Keyboard", "price_cents": 8900, "stock": stock}
    response = http.post(f"{catalogue_url}/products", json=product)
    assert response.status_code == 201, response.text


def test_both_services_answer_their_health_checks(services: Deployment, http: httpx.Client) -> None:
    for service in (services.catalogue, services.orders):
        response = http.get(f"{service.url}/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "service": service.name}


def test_reservation_has_every_field_the_orders_service_reads(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-901")
    response = http.post(f"{services.catalogue.url}/products/KB-901/reserve", json={"quantity": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    needed = set(CatalogueProduct.model_fields)
    missing = sorted(needed - set(body))
    assert not missing, f"the catalogue no longer sends what orders reads: {missing}"
    product = CatalogueProduct.model_validate(body)  # the types match too
    assert (product.sku, product.price_cents) == ("KB-901", 8900)


def test_the_orders_client_reads_the_real_catalogue(
    services: Deployment, http: httpx.Client
) -> None:
    add_product(http, services.catalogue.url, "KB-902")
    with CatalogueClient(services.catalogue.url, timeout=5.0) as catalogue:
        product = catalogue.reserve("KB-902", 1)
        assert product == CatalogueProduct(sku="KB-902", name="Keyboard", price_cents=8900)
        # Errors must carry the catalogue's own `detail`, which orders passes on.
        with pytest.raises(UnknownProductError, match="no product 'XX-902'"):
            catalogue.reserve("XX-902", 1)
        with pytest.raises(NotEnoughStockError, match="only 4 of 'KB-902' left"):
            catalogue.reserve("KB-902", 50)


def test_an_order_goes_through_both_services(services: Deployment, http: httpx.Client) -> None:
    add_product(http, services.catalogue.url, "KB-903", stock=3)
    response = http.post(f"{services.orders.url}/orders", json={"sku": "KB-903", "quantity": 3})
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["unit_price_cents"], order["total_cents"]) == (8900, 26700)
    stock = http.get(f"{services.catalogue.url}/products/KB-903").json()["stock"]
    assert stock == 0
