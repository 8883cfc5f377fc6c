"""Abstract factory: one sales report, as Markdown or HTML, by swapping widget families.

Run it with `python -m snippets.creational.abstract_factory`.
"""

# --8<-- [start:imports]
import html
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

# --8<-- [end:imports]


# --8<-- [start:rendering]
def check_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Refuse a table whose rows do not have one cell per column."""
    if not header:
        raise ValueError("a table needs at least one column")
    for number, row in enumerate(rows, 1):
        if len(row) != len(header):
            raise ValueError(
                f"row {number} has {len(row)} cells, the header has {len(header)}"
            )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format checked rows as a Markdown table, escaping the `|` in cells."""

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)])


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format checked rows as an HTML table, escaping every cell."""

    def line(tag: str, cells: Sequence[object]) -> str:
        return (
            "<tr>"
            + "".join(f"<{tag}>{html.escape(str(cell))}</{tag}>" for cell in cells)
            + "</tr>"
        )

    return "\n".join(
        ["<table>", line("th", header), *(line("td", row) for row in rows), "</table>"]
    )


# --8<-- [end:rendering]


# --8<-- [start:sales]
@dataclass(frozen=True)
class Sale:
    region: str
    orders: int
    revenue: Decimal


SALES = [
    Sale("Benelux & Nordics", 42, Decimal("18250.50")),
    Sale("Iberia", 0, Decimal("0")),
    Sale("Central Europe", 17, Decimal("7300.00")),
]
HEADER = ["Region", "Orders", "Revenue (EUR)"]


# --8<-- [end:sales]


# --8<-- [start:pythonic]
@dataclass(frozen=True)
class Dialect:
    """A family of plain functions: an abstract factory without a class hierarchy."""

    heading: Callable[[str], str]
    format_table: Callable[[Sequence[str], Sequence[Sequence[object]]], str]
    alert: Callable[[str], str]

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
        check_table(header, rows)  # once, for every dialect
        return self.format_table(header, rows)


DIALECTS = {
    "markdown": Dialect(
        heading=lambda text: f"## {text}",
        format_table=markdown_table,
        alert=lambda text: f"> **Warning:** {text}",
    ),
    "html": Dialect(
        heading=lambda text: f"<h2>{html.escape(text)}</h2>",
        format_table=html_table,
        alert=lambda text: (
            f'<p role="alert"><strong>Warning:</strong> {html.escape(text)}</p>'
        ),
    ),
}


def dialect(name: str) -> Dialect:
    """Choose a family once, by name, at the edge of the program."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(
            f"unknown dialect {name!r}; choose one of {sorted(DIALECTS)}"
        ) from None


def dialect_report(family: Dialect, sales: Sequence[Sale]) -> str:
    """The client: it names no format, only the family it was given."""
    rows = [[sale.region, sale.orders, f"{sale.revenue:,.2f}"] for sale in sales]
    parts = [family.heading("Sales by region"), family.table(HEADER, rows)]
    if silent := ", ".join(sale.region for sale in sales if sale.orders == 0):
        parts.append(family.alert(f"no orders from {silent}"))
    return "\n\n".join(parts)


# --8<-- [end:pythonic]


# --8<-- [start:products]
class Widget(ABC):
    """Anything a report is made of."""

    @abstractmethod
    def render(self) -> str: ...


class Heading(Widget):
    """A title of some level; every family renders it its own way."""


class Table(Widget):
    """Rows of cells under a header row."""


class Alert(Widget):
    """A short warning that must stand out from the text around it."""


@dataclass(frozen=True)
class MarkdownHeading(Heading):
    text: str
    level: int

    def render(self) -> str:
        return f"{'#' * self.level} {self.text}"


@dataclass(frozen=True)
class MarkdownTable(Table):
    header: Sequence[str]
    rows: Sequence[Sequence[object]]

    def render(self) -> str:
        return markdown_table(self.header, self.rows)


@dataclass(frozen=True)
class MarkdownAlert(Alert):
    text: str

    def render(self) -> str:
        return f"> **Warning:** {self.text}"


@dataclass(frozen=True)
class HtmlHeading(Heading):
    text: str
    level: int

    def render(self) -> str:
        return f"<h{self.level}>{html.escape(self.text)}</h{self.level}>"


@dataclass(frozen=True)
class HtmlTable(Table):
    header: Sequence[str]
    rows: Sequence[Sequence[object]]

    def render(self) -> str:
        return html_table(self.header, self.rows)


@dataclass(frozen=True)
class HtmlAlert(Alert):
    text: str

    def render(self) -> str:
        return f'<p role="alert"><strong>Warning:</strong> {html.escape(self.text)}</p>'


# --8<-- [end:products]


# --8<-- [start:factories]
class ReportWidgets(ABC):
    """The abstract factory: one method per kind of product in a family."""

    def heading(self, text: str, level: int = 1) -> Heading:
        """Check the level once, for every family, then create the heading."""
        if not 1 <= level <= 6:
            raise ValueError(f"a heading level is 1 to 6, got {level}")
        return self.create_heading(text, level)

    @abstractmethod
    def create_heading(self, text: str, level: int) -> Heading: ...

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
        """Check that every row fits the header, then create the family's table."""
        check_table(header, rows)
        return self.create_table(header, rows)

    @abstractmethod
    def create_table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> Table: ...

    @abstractmethod
    def alert(self, text: str) -> Alert: ...


class MarkdownWidgets(ReportWidgets):
    """The Markdown family: for README files and chat messages."""

    def create_heading(self, text: str, level: int) -> Heading:
        return MarkdownHeading(text, level)

    def create_table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> Table:
        return MarkdownTable(header, rows)

    def alert(self, text: str) -> Alert:
        return MarkdownAlert(text)


class HtmlWidgets(ReportWidgets):
    """The HTML family: for e-mail and the intranet, with every text escaped."""

    def create_heading(self, text: str, level: int) -> Heading:
        return HtmlHeading(text, level)

    def create_table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> Table:
        return HtmlTable(header, rows)

    def alert(self, text: str) -> Alert:
        return HtmlAlert(text)


# --8<-- [end:factories]


# --8<-- [start:client]
def sales_report(widgets: ReportWidgets, sales: Sequence[Sale]) -> str:
    """The client: it names no concrete product class, only the factory."""
    rows = [[sale.region, sale.orders, f"{sale.revenue:,.2f}"] for sale in sales]
    parts: list[Widget] = [
        widgets.heading("Sales by region", level=2),
        widgets.table(HEADER, rows),
    ]
    if silent := ", ".join(sale.region for sale in sales if sale.orders == 0):
        parts.append(widgets.alert(f"no orders from {silent}"))
    return "\n\n".join(part.render() for part in parts)


# --8<-- [end:client]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    print(dialect_report(dialect("markdown"), SALES))
    '''
    ## Sales by region

    | Region | Orders | Revenue (EUR) |
    | --- | --- | --- |
    | Benelux & Nordics | 42 | 18,250.50 |
    | Iberia | 0 | 0.00 |
    | Central Europe | 17 | 7,300.00 |

    > **Warning:** no orders from Iberia
    '''
    try:
        dialect("pdf")
    except ValueError as exc:
        print(exc)
        #> unknown dialect 'pdf'; choose one of ['html', 'markdown']
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    print(sales_report(HtmlWidgets(), SALES))
    '''
    <h2>Sales by region</h2>

    <table>
    <tr><th>Region</th><th>Orders</th><th>Revenue (EUR)</th></tr>
    <tr><td>Benelux &amp; Nordics</td><td>42</td><td>18,250.50</td></tr>
    <tr><td>Iberia</td><td>0</td><td>0.00</td></tr>
    <tr><td>Central Europe</td><td>17</td><td>7,300.00</td></tr>
    </table>

    <p role="alert"><strong>Warning:</strong> no orders from Iberia</p>
    '''
    as_markdown = sales_report(MarkdownWidgets(), SALES)
    print(as_markdown == dialect_report(dialect("markdown"), SALES))
    #> True
    try:
        MarkdownWidgets().heading("Sales", level=9)
    except ValueError as exc:
        print(exc)
        #> a heading level is 1 to 6, got 9
    # --8<-- [end:demo]
    # fmt: on
