"""Claims of the template method page that its blocks cannot print: what mypy reports."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from mypy import api

from snippets.behavioral.template_method import (
    CsvOrderExporter,
    ExportError,
    ExportPipeline,
    csv_text,
    open_shop_database,
    order_record,
)
from tests.pagecode import ROOT

ORDER = {
    "id": 1001,
    "customer": "Nordwind GmbH",
    "placed_on": "2024-03-02",
    "total_cents": 12950,
    "status": "paid",
}


def test_mypy_reports_an_overridden_skeleton_and_a_hook_that_overrides_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # where mypy finds `snippets` and the project's settings
    module = tmp_path / "exporters.py"
    module.write_text(
        textwrap.dedent(
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
        ),
        encoding="utf-8",
    )
    report, _, status = api.run([str(module), "--strict", "--cache-dir", str(tmp_path / "cache")])
    assert status == 1
    assert 'Cannot override final attribute "export"' in report
    assert 'Method "include_row" is marked as an override, but no base method was found' in report


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
