"""Template method: an export pipeline whose fixed steps subclasses fill in.

Run it with `python -m snippets.behavioral.template_method`.
"""

# --8<-- [start:imports]
import csv
import io
import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, final

from typing_extensions import override  # in `typing` from Python 3.12 on

# --8<-- [end:imports]


# --8<-- [start:database]
def open_shop_database() -> sqlite3.Connection:
    """An in-memory SQLite database with a few orders: the demo's data source."""
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.executescript(
        """
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            customer TEXT NOT NULL,
            placed_on TEXT NOT NULL,
            total_cents INTEGER NOT NULL,
            status TEXT NOT NULL
        );
        INSERT INTO orders VALUES
            (1001, 'Nordwind GmbH', '2024-03-02', 12950, 'paid'),
            (1002, 'Café Lumière', '2024-03-05', 4000, 'cancelled'),
            (1003, 'Harbour Tools, Ltd', '2024-03-18', 250075, 'paid'),
            (1004, 'Nordwind GmbH', '2024-04-01', 990, 'paid');
        """
    )
    return db


# --8<-- [end:database]


# --8<-- [start:steps]
Row = Mapping[str, Any]
Record = dict[str, Any]


def csv_text(records: Sequence[Record]) -> str:
    """Records as CSV under a header row made of the first record's keys."""
    if not records:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def json_text(records: Sequence[Record]) -> str:
    """Records as a JSON array, indented for people who read it."""
    return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"


def fetch_orders(db: sqlite3.Connection, first_day: date, last_day: date) -> list[Row]:
    """The orders placed from `first_day` to `last_day`, both included."""
    cursor = db.execute(
        "SELECT id, customer, placed_on, total_cents, status FROM orders"
        " WHERE placed_on BETWEEN ? AND ? ORDER BY id",
        (first_day.isoformat(), last_day.isoformat()),
    )
    return [dict(row) for row in cursor]


def order_record(row: Row) -> Record:
    """An order as it appears in an export: the amount in euros, as text."""
    return {
        "order": row["id"],
        "customer": row["customer"],
        "placed_on": row["placed_on"],
        "total": str(Decimal(row["total_cents"]).scaleb(-2)),
        "status": row["status"],
    }


class ExportError(ValueError):
    """A step of an export produced something the pipeline cannot write."""


def checked(record: object, step: str) -> Record:
    """The record a transform step returned, or an `ExportError` that names the step."""
    if not isinstance(record, dict):
        raise ExportError(f"{step} must return a dict, got {record!r}")
    return record


# --8<-- [end:steps]


# --8<-- [start:pythonic]
def every_row(row: Row) -> bool:
    return True


@dataclass(frozen=True)
class ExportPipeline:
    """The same skeleton, with each step passed in as a function: a strategy."""

    fetch: Callable[[], Iterable[Row]]
    transform: Callable[[Row], Record]
    write: Callable[[Sequence[Record]], str]
    include: Callable[[Row], bool] = every_row

    def __post_init__(self) -> None:
        for step in ("fetch", "transform", "write", "include"):
            if not callable(getattr(self, step)):
                raise TypeError(
                    f"the {step} step must be a function, got {getattr(self, step)!r}"
                )

    def run(self) -> str:
        rows = [row for row in self.fetch() if self.include(row)]
        records = [checked(self.transform(row), "the transform step") for row in rows]
        return self.write(records)


def is_large(row: Row) -> bool:
    """Orders of 1,000 euros or more, which the finance team checks by hand."""
    return bool(row["total_cents"] >= 100_000)


# --8<-- [end:pythonic]


# --8<-- [start:abstract-class]
class Exporter(ABC):
    """The abstract class: `export` is the template method, the steps are methods."""

    @final
    def export(self) -> str:
        """Run the steps in their fixed order and return the exported text."""
        self.before_export()
        records: list[Record] = []
        for row in self.fetch_rows():
            if self.include(row):
                step = f"{type(self).__name__}.transform()"
                records.append(checked(self.transform(row), step))
        text = self.write(records)
        self.after_export(len(records))
        return text

    # Primitive operations: every concrete exporter must provide them.
    @abstractmethod
    def fetch_rows(self) -> Iterable[Row]:
        """Read the rows to export from the data source."""

    @abstractmethod
    def write(self, records: Sequence[Record]) -> str:
        """Turn the transformed records into the text of the file."""

    # Hooks: they have a default, and a subclass overrides them only when it must.
    def include(self, row: Row) -> bool:
        """Decide whether a row is exported; by default every row is."""
        return True

    def transform(self, row: Row) -> Record:
        """Turn a row into the record that is written; by default a plain copy."""
        return dict(row)

    def before_export(self) -> None:  # noqa: B027 (a hook is empty on purpose)
        """Called before the first row is fetched; does nothing by default."""

    def after_export(self, count: int) -> None:  # noqa: B027
        """Called with the number of records after the text is written."""


# --8<-- [end:abstract-class]


# --8<-- [start:orders]
class OrderExporter(Exporter):
    """Fetches the orders placed in a period and formats their amounts.

    It is still abstract: the file format (`write`) is left to subclasses.
    """

    def __init__(self, db: sqlite3.Connection, first_day: date, last_day: date) -> None:
        if last_day < first_day:
            raise ValueError(
                f"the period ends before it starts: {first_day} to {last_day}"
            )
        self.db = db
        self.first_day = first_day
        self.last_day = last_day

    @override
    def fetch_rows(self) -> Iterable[Row]:
        return fetch_orders(self.db, self.first_day, self.last_day)

    @override
    def transform(self, row: Row) -> Record:
        return order_record(row)


# --8<-- [end:orders]


# --8<-- [start:concrete-classes]
class CsvOrderExporter(OrderExporter):
    """Orders as CSV, for spreadsheets."""

    @override
    def write(self, records: Sequence[Record]) -> str:
        return csv_text(records)


class JsonOrderExporter(OrderExporter):
    """Orders as JSON, for the web shop's back office."""

    @override
    def write(self, records: Sequence[Record]) -> str:
        return json_text(records)


class PaidOrdersExporter(CsvOrderExporter):
    """For accounting: only paid orders, and every export is noted in an audit log."""

    def __init__(
        self,
        db: sqlite3.Connection,
        first_day: date,
        last_day: date,
        audit: Callable[[str], None],
    ) -> None:
        super().__init__(db, first_day, last_day)
        self.audit = audit

    @override
    def include(self, row: Row) -> bool:
        return bool(row["status"] == "paid")

    @override
    def after_export(self, count: int) -> None:
        self.audit(f"exported {count} paid orders, {self.first_day} to {self.last_day}")


# --8<-- [end:concrete-classes]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    db = open_shop_database()
    march = (date(2024, 3, 1), date(2024, 3, 31))
    large_orders_as_json = ExportPipeline(
        fetch=partial(fetch_orders, db, *march),
        transform=order_record,
        write=json_text,
        include=is_large,
    )
    print(large_orders_as_json.run(), end="")
    '''
    [
      {
        "order": 1003,
        "customer": "Harbour Tools, Ltd",
        "placed_on": "2024-03-18",
        "total": "2500.75",
        "status": "paid"
      }
    ]
    '''
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    print(CsvOrderExporter(db, *march).export(), end="")
    '''
    order,customer,placed_on,total,status
    1001,Nordwind GmbH,2024-03-02,129.50,paid
    1002,Café Lumière,2024-03-05,40.00,cancelled
    1003,"Harbour Tools, Ltd",2024-03-18,2500.75,paid
    '''
    print(JsonOrderExporter(db, date(2024, 4, 1), date(2024, 4, 30)).export(), end="")
    '''
    [
      {
        "order": 1004,
        "customer": "Nordwind GmbH",
        "placed_on": "2024-04-01",
        "total": "9.90",
        "status": "paid"
      }
    ]
    '''
    # --8<-- [end:demo]

    # --8<-- [start:demo-hooks]
    audit_log: list[str] = []
    print(PaidOrdersExporter(db, *march, audit=audit_log.append).export(), end="")
    '''
    order,customer,placed_on,total,status
    1001,Nordwind GmbH,2024-03-02,129.50,paid
    1003,"Harbour Tools, Ltd",2024-03-18,2500.75,paid
    '''
    print(audit_log)
    #> ['exported 2 paid orders, 2024-03-01 to 2024-03-31']
    # --8<-- [end:demo-hooks]
    # fmt: on
