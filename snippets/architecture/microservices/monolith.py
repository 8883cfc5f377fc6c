"""The Pythonic start: both services as modules of one process, behind one Protocol.

`place_order` takes any `Catalogue`; here it gets the catalogue's store directly, with
no HTTP in between. Splitting the modules into services later passes `CatalogueClient`.
"""

# --8<-- [start:imports]
from snippets.architecture.microservices.catalogue import (
    KeyReusedError,
    OutOfStockError,
    ProductNotFoundError,
    ProductStore,
)
from snippets.architecture.microservices.orders import (
    CatalogueProduct,
    KeyMismatchError,
    NotEnoughStockError,
    UnknownProductError,
)

# --8<-- [end:imports]


# --8<-- [start:in-process]
class InProcessCatalogue:
    """A `Catalogue` that calls the catalogue module in the same process."""

    def __init__(self, products: ProductStore) -> None:
        self.products = products

    def reserve(self, sku: str, quantity: int, key: str) -> CatalogueProduct:
        try:
            product = self.products.reserve(sku, quantity, key)
        except ProductNotFoundError as exc:
            raise UnknownProductError(str(exc)) from None
        except OutOfStockError as exc:
            raise NotEnoughStockError(str(exc)) from None
        except KeyReusedError as exc:
            raise KeyMismatchError(str(exc)) from None
        return CatalogueProduct(
            sku=product.sku, name=product.name, price_cents=product.price_cents
        )


# --8<-- [end:in-process]
