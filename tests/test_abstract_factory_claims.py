"""Claims of docs/creational/abstract-factory.md that no page block shows."""

import pytest

from snippets.creational.abstract_factory import (
    Dialect,
    HtmlWidgets,
    MarkdownWidgets,
    ReportWidgets,
    dialect,
)


class CountingRow(list[object]):
    """A table row that counts how often its length is taken, as `check_table` does."""

    lengths_taken = 0

    def __len__(self) -> int:
        CountingRow.lengths_taken += 1
        return super().__len__()


@pytest.mark.parametrize("widgets", [MarkdownWidgets(), HtmlWidgets()])
def test_a_table_is_checked_once(widgets: ReportWidgets) -> None:
    CountingRow.lengths_taken = 0
    widgets.table(["Region", "Orders"], [CountingRow(["Iberia", 0])]).render()
    assert CountingRow.lengths_taken == 1


@pytest.mark.parametrize("name", ["markdown", "html"])
def test_a_dialect_table_is_checked_once(name: str) -> None:
    CountingRow.lengths_taken = 0
    dialect(name).table(["Region", "Orders"], [CountingRow(["Iberia", 0])])
    assert CountingRow.lengths_taken == 1
    with pytest.raises(ValueError, match="row 1 has 1 cells, the header has 2"):
        dialect(name).table(["Region", "Orders"], [["Iberia"]])


@pytest.mark.parametrize("widgets", [MarkdownWidgets(), HtmlWidgets()])
def test_every_family_gets_the_checks_of_the_abstract_factory(widgets: ReportWidgets) -> None:
    with pytest.raises(ValueError, match="a heading level is 1 to 6, got 0"):
        widgets.heading("Sales", level=0)
    with pytest.raises(ValueError, match="row 1 has 3 cells, the header has 2"):
        widgets.table(["Region", "Orders"], [["Iberia", 0, "0.00"]])


def test_a_dialect_that_lacks_a_function_is_refused_when_built() -> None:
    markdown = dialect("markdown")
    with pytest.raises(TypeError, match="format_table"):
        Dialect(heading=markdown.heading, alert=markdown.alert)  # type: ignore[call-arg]
