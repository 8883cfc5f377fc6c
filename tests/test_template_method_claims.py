"""Claims of the template method page that its blocks cannot print: mypy, a thread pool, ABCs."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import httpx
import pytest
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from snippets.behavioral.template_method import (
    CsvOrderExporter,
    ExportError,
    ExportPipeline,
    OrderExporter,
    csv_text,
    open_shop_database,
    order_record,
)
from tests.typecheck import Mypy

ORDER = {
    "id": 1001,
    "customer": "Nordwind GmbH",
    "placed_on": "2024-03-02",
    "total_cents": 12950,
    "status": "paid",
}


def test_mypy_reports_an_overridden_skeleton_and_a_hook_that_overrides_nothing(
    mypy: Mypy,
) -> None:
    report = mypy.check(
        """
            from typing_extensions import override

            from snippets.behavioral.template_method import CsvOrderExporter, Row


            class QuickCsvExporter(CsvOrderExporter):
                def export(self) -> str:
                    return self.write(list(self.fetch_rows()))


            class PaidOnlyCsvExporter(CsvOrderExporter):
                @override
                def include_row(self, row: Row) -> bool:
                    return bool(row["status"] == "paid")
            """
    )
    assert report.status == 1
    assert 'Cannot override final attribute "export"' in report.text
    assert 'Method "include_row" is marked as an override, but no base method was found' in (
        report.text
    )


def test_the_pipeline_names_a_transform_step_that_returns_nothing() -> None:
    def forgets_to_return(row: dict[str, object]) -> None:
        order_record(row)

    pipeline = ExportPipeline(
        fetch=lambda: [ORDER],
        transform=forgets_to_return,  # type: ignore[arg-type]
        write=csv_text,
    )
    with pytest.raises(ExportError, match="the transform step must return a dict, got None"):
        pipeline.run()


def test_a_step_that_is_not_callable_is_refused_when_the_pipeline_is_built() -> None:
    with pytest.raises(TypeError, match="the write step must be a function, got 'csv'"):
        ExportPipeline(fetch=lambda: [ORDER], transform=order_record, write="csv")  # type: ignore[arg-type]


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(
        ValueError, match="the period ends before it starts: 2024-03-31 to 2024-03-01"
    ):
        CsvOrderExporter(open_shop_database(), date(2024, 3, 31), date(2024, 3, 1))


def test_a_plain_def_step_runs_in_a_thread_where_the_sqlite_connection_refuses_to_work() -> None:
    db, march = open_shop_database(), (date(2024, 3, 1), date(2024, 3, 31))

    class AsyncOrders(HTTPEndpoint):
        async def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(CsvOrderExporter(db, *march).export())

    class ThreadedOrders(HTTPEndpoint):
        def get(self, request: Request) -> PlainTextResponse:
            return PlainTextResponse(CsvOrderExporter(db, *march).export())

    async def get(endpoint: type[HTTPEndpoint]) -> httpx.Response:
        app = Starlette(routes=[Route("/orders.csv", endpoint)])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
            return await client.get("/orders.csv")

    assert asyncio.run(get(AsyncOrders)).status_code == 200
    with pytest.raises(sqlite3.ProgrammingError, match="can only be used in that same thread"):
        asyncio.run(get(ThreadedOrders))


def test_an_exporter_that_leaves_write_abstract_cannot_be_created() -> None:
    march = (date(2024, 3, 1), date(2024, 3, 31))
    with pytest.raises(TypeError, match="Can't instantiate abstract class OrderExporter") as error:
        OrderExporter(open_shop_database(), *march)  # type: ignore[abstract]
    assert "write" in str(error.value)
