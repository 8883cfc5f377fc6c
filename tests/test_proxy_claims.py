"""Claims of the proxy page that need real threads: the virtual proxy loads only once."""

import threading
import time

from snippets.structural.proxy import PRICE_EXPORT, Catalogue, LazyCatalogue, PriceList


def test_lazy_catalogue_loads_once_when_threads_ask_at_the_same_time() -> None:
    loads: list[str] = []
    start = threading.Barrier(8)

    def slow_load() -> Catalogue:
        loads.append(threading.current_thread().name)
        time.sleep(0.05)  # a slow load: the other threads ask meanwhile
        return PriceList.from_csv(PRICE_EXPORT)

    lazy = LazyCatalogue(slow_load)
    prices: list[str] = []

    def ask() -> None:
        start.wait(timeout=5)
        prices.append(str(lazy.price("MUG-0007")))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert prices == ["12.50"] * 8
    assert len(loads) == 1
