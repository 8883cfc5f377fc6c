"""Run both services as real processes, place orders, then stop the catalogue.

Run it with `python -m snippets.architecture.microservices`.
"""

# --8<-- [start:imports]
import tempfile
from pathlib import Path

import httpx

# --8<-- [end:imports]
from snippets.architecture.microservices.catalogue import NewProduct, ProductStore
from snippets.architecture.microservices.launcher import running_services, stop_service
from snippets.architecture.microservices.monolith import InProcessCatalogue
from snippets.architecture.microservices.orders import (
    CatalogueError,
    OrderRequest,
    OrderStore,
    place_order,
)

# --8<-- [start:samples]
SAMPLE_PRODUCTS = [
    {"sku": "KB-101", "name": "Keyboard", "price_cents": 8900, "stock": 5},
    {"sku": "MS-204", "name": "Mouse", "price_cents": 2900, "stock": 12},
]
# --8<-- [end:samples]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-workspace]
    workspace = tempfile.TemporaryDirectory()  # each service's SQLite file goes here
    data_dir = Path(workspace.name)
    # --8<-- [end:demo-workspace]

    # --8<-- [start:demo]
    with running_services(data_dir) as services, httpx.Client(timeout=5.0) as http:
        catalogue, orders = services.catalogue.url, services.orders.url
        for url in (catalogue, orders):
            print(http.get(f"{url}/readyz").json())
            #> {'status': 'ready', 'service': 'catalogue'}
            #> {'status': 'ready', 'service': 'orders'}
        for product in SAMPLE_PRODUCTS:
            print(http.post(f"{catalogue}/products", json=product).status_code)
            #> 201
            #> 201
        # The orders service reserves the stock in the catalogue, then stores the order.
        click = {"sku": "KB-101", "quantity": 2, "key": "order-7f3a9c01"}
        trace = {"X-Request-ID": "req-5e6f7a8b"}  # orders makes one if it is missing
        placed = http.post(f"{orders}/orders", json=click, headers=trace)
        print(placed.status_code, placed.json())
        '''
        201
        {
            'id': 1,
            'sku': 'KB-101',
            'name': 'Keyboard',
            'quantity': 2,
            'unit_price_cents': 8900,
            'total_cents': 17800,
        }
        '''
        for service in (services.orders, services.catalogue):  # one id, both logs
            logged = service.log.read_text().splitlines()
            print(*[line for line in logged if "req-5e6f7a8b" in line])
            #> orders req-5e6f7a8b POST /orders 201
            #> catalogue req-5e6f7a8b POST /products/KB-101/reserve 200
        retried = http.post(f"{orders}/orders", json=click)  # the same click again
        stock = http.get(f"{catalogue}/products/KB-101").json()["stock"]
        print(retried.json() == placed.json(), stock)  # one order, one reservation
        #> True 3
        # The catalogue's refusals reach the customer through the orders service.
        for sku, quantity in [("KB-101", 9), ("XX-999", 1)]:
            attempt = {"sku": sku, "quantity": quantity, "key": f"order-{sku}"}
            refused = http.post(f"{orders}/orders", json=attempt)
            print(refused.status_code, refused.json()["detail"])
            #> 409 only 3 of 'KB-101' left
            #> 404 no product 'XX-999' in the catalogue
        # A bad request never leaves the orders service: FastAPI validates it.
        invalid = http.post(f"{orders}/orders", json={**click, "quantity": 0})
        print(invalid.status_code, [error["loc"] for error in invalid.json()["detail"]])
        #> 422 [['body', 'quantity']]
    # --8<-- [end:demo]

    # --8<-- [start:demo-outage]
    with running_services(data_dir) as services, httpx.Client(timeout=5.0) as http:
        catalogue, orders = services.catalogue.url, services.orders.url
        # New processes, same files: the data outlives the processes.
        print(http.get(f"{catalogue}/products/KB-101").json()["stock"])
        #> 3
        stop_service(services.catalogue)  # SIGTERM to the catalogue's process id
        for probe in ("livez", "readyz"):  # neither asks the catalogue
            print(http.get(f"{orders}/{probe}").json())
            #> {'status': 'live', 'service': 'orders'}
            #> {'status': 'ready', 'service': 'orders'}
        print(http.get(f"{orders}/dependencies").json())
        #> {'catalogue': 'unreachable'}
        print(http.get(f"{orders}/orders/1").json()["total_cents"])
        #> 17800
        mouse = {"sku": "MS-204", "quantity": 1, "key": "order-2b7e11d4"}
        refused = http.post(f"{orders}/orders", json=mouse)
        print(refused.status_code, refused.json()["detail"])
        #> 503 the catalogue is unreachable
    # --8<-- [end:demo-outage]

    # --8<-- [start:demo-cleanup]
    workspace.cleanup()
    # --8<-- [end:demo-cleanup]

    # --8<-- [start:demo-pythonic]
    with tempfile.TemporaryDirectory() as scratch:
        products = ProductStore(Path(scratch, "catalogue.db"))
        products.create_schema()
        products.add(NewProduct.model_validate(SAMPLE_PRODUCTS[0]))
        order_book = OrderStore(Path(scratch, "orders.db"))
        order_book.create_schema()
        in_process = InProcessCatalogue(products)
        keyboards = OrderRequest(sku="KB-101", quantity=2, key="order-1d4e5f60")
        order = place_order(in_process, order_book, keyboards)
        print(order.name, order.quantity, order.total_cents)
        #> Keyboard 2 17800
        too_many = OrderRequest(sku="KB-101", quantity=9, key="order-8c9d0e1f")
        try:
            place_order(in_process, order_book, too_many)
        except CatalogueError as exc:
            print(exc)
            #> only 3 of 'KB-101' left
    # --8<-- [end:demo-pythonic]
    # fmt: on
