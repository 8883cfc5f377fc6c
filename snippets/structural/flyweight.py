"""Flyweight: twenty thousand spreadsheet cells share a handful of immutable formats.

Run it with `python -m snippets.structural.flyweight`.
"""

# --8<-- [start:imports]
import json
import re
import sys
import tracemalloc
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Any

# --8<-- [end:imports]


# --8<-- [start:format]
NUMBER_FORMATS: dict[str, Callable[[Any], str]] = {
    "General": str,
    "@": str,
    "#,##0.00": "{:,.2f}".format,
    "0%": "{:.0%}".format,
}
ALIGNMENTS: dict[str, Callable[[str, int], str]] = {
    "left": str.ljust,
    "center": str.center,
    "right": str.rjust,
}
CHOICES: dict[str, Collection[str]] = {
    "number_format": NUMBER_FORMATS,
    "align": ALIGNMENTS,
    "vertical": ("top", "center", "bottom"),
    "border": ("none", "thin", "medium", "thick", "double"),
}
COLOUR = re.compile(r"#[0-9A-F]{6}")


@dataclass(frozen=True, slots=True, weakref_slot=True)
class CellFormat:
    """The intrinsic state: how a cell looks, shared by every cell that looks alike.

    Frozen, because one change would show in every cell that shares it; slotted, to
    keep each instance small; with a `__weakref__` slot, so a cache can hold it weakly.
    """

    number_format: str = "General"
    font: str = "Calibri"
    size: int = 11
    bold: bool = False
    italic: bool = False
    color: str = "#000000"
    fill: str = "#FFFFFF"
    align: str = "left"
    vertical: str = "bottom"
    border: str = "none"
    wrap: bool = False

    def __post_init__(self) -> None:
        for setting in fields(self):
            value, kind = getattr(self, setting.name), type(setting.default)
            if type(value) is not kind:
                raise TypeError(
                    f"{setting.name} must be of type {kind.__name__}, "
                    f"got {type(value).__name__} {value!r}"
                )
            choices = CHOICES.get(setting.name)
            if choices is not None and value not in choices:
                known = ", ".join(map(repr, choices))
                raise ValueError(
                    f"unknown {setting.name} {value!r}; use one of {known}"
                )
        if not 6 <= self.size <= 72:
            raise ValueError(f"a font size is 6 to 72 points, got {self.size}")
        for name in ("color", "fill"):
            if not COLOUR.fullmatch(getattr(self, name)):
                raise ValueError(
                    f"{name} is a colour like '#1F4E79', got {getattr(self, name)!r}"
                )

    def render(self, value: object, width: int) -> str:
        """Show `value` in a column `width` characters wide.

        The value and the width are extrinsic state: they differ from cell to cell,
        so the caller passes them in instead of storing them in the shared format.
        """
        text = NUMBER_FORMATS[self.number_format](value)
        return ALIGNMENTS[self.align](text, width)


DEFAULTS = {setting.name: setting.default for setting in fields(CellFormat)}
# --8<-- [end:format]


# --8<-- [start:factory]
Key = tuple[tuple[type, str], ...]


class FormatFactory:
    """Hands out one shared `CellFormat` per distinct look, and forgets unused ones."""

    def __init__(self) -> None:
        self._formats: weakref.WeakValueDictionary[Key, CellFormat] = (
            weakref.WeakValueDictionary()
        )
        self.built = 0

    def get(self, **settings: Any) -> CellFormat:
        """The shared format with these settings; the defaults fill in the rest.

        A look still in the cache is one dictionary lookup; any other look builds
        (and so validates) a `CellFormat`.
        """
        unknown = settings.keys() - DEFAULTS.keys()
        if unknown:
            raise ValueError(f"unknown format settings: {', '.join(sorted(unknown))}")
        # type and repr tell True, 1, 1.0 and a str subclass apart, so a format only
        # answers the very settings it was validated with; a list makes a key too
        key = tuple((type(v), repr(v)) for v in (DEFAULTS | settings).values())
        shared = self._formats.get(key)
        if shared is None:
            shared = self._formats[key] = CellFormat(**settings)
            self.built += 1
        return shared

    def variant(self, base: CellFormat, **changes: Any) -> CellFormat:
        """The shared format that looks like `base` except for `changes`."""
        return self.get(**(asdict(base) | changes))

    def __len__(self) -> int:
        """How many distinct formats some cell still uses."""
        return len(self._formats)


# --8<-- [end:factory]


# --8<-- [start:sheet]
@dataclass(slots=True)
class Cell:
    """The extrinsic state of one cell: its value, and which shared format it uses."""

    value: object
    format: CellFormat


class Sheet:
    """A grid of cells, addressed by zero-based row and column."""

    def __init__(self) -> None:
        self._rows: list[list[Cell | None]] = []

    def write(self, row: int, column: int, value: object, format: CellFormat) -> None:
        if row < 0 or column < 0:
            raise ValueError(f"rows and columns start at 0, got ({row}, {column})")
        while len(self._rows) <= row:
            self._rows.append([])
        cells = self._rows[row]
        cells.extend([None] * (column + 1 - len(cells)))
        cells[column] = Cell(value, format)

    def cell(self, row: int, column: int) -> Cell:
        found = self._rows[row][column] if row < len(self._rows) else None
        if found is None:
            raise KeyError(f"cell ({row}, {column}) is empty")
        return found

    def render_row(self, row: int, widths: Sequence[int]) -> str:
        """One line of text; each cell's shared format renders its own value."""
        cells = self._rows[row] if row < len(self._rows) else []
        parts = []
        for column, width in enumerate(widths):
            cell = cells[column] if column < len(cells) else None
            parts.append(cell.format.render(cell.value, width) if cell else " " * width)
        return " | ".join(parts)

    def __len__(self) -> int:
        """How many cells hold a value."""
        return sum(cell is not None for cells in self._rows for cell in cells)


def load_sheet(export: str, make_format: Callable[..., CellFormat]) -> Sheet:
    """Build a sheet from a JSON export in which every cell spells out its format.

    `make_format` is `CellFormat` itself (one new format per cell) or the `get` method
    of a `FormatFactory` (one shared format per distinct look): same call, same result,
    very different memory use.
    """
    sheet = Sheet()
    for cell in json.loads(export):
        sheet.write(
            cell["row"], cell["column"], cell["value"], make_format(**cell["format"])
        )
    return sheet


# --8<-- [end:sheet]


# --8<-- [start:export]
HEADER: dict[str, Any] = {
    "bold": True,
    "fill": "#DDEBF7",
    "align": "center",
    "border": "thin",
}
COLUMNS: list[tuple[str, dict[str, Any]]] = [
    ("Date", {"number_format": "@", "border": "thin"}),
    ("Customer", {"number_format": "@", "border": "thin"}),
    ("Amount", {"number_format": "#,##0.00", "align": "right", "border": "thin"}),
    (
        "VAT",
        {"number_format": "0%", "align": "right", "color": "#595959", "border": "thin"},
    ),
]
CUSTOMERS = [
    "Brightside Dental",
    "Harbour Logistics",
    "Northwind Bakery",
    "Oakridge Veterinary",
    "Quayside Architects",
    "Riverbend Physiotherapy",
    "Summit Bicycle Repairs",
    "Tidewater Florists",
]


def ledger_export(rows: int) -> str:
    """A sales ledger as a reporting tool exports it: each cell with its full format."""
    header = asdict(CellFormat(**HEADER))
    formats = [asdict(CellFormat(**settings)) for _, settings in COLUMNS]
    cells = [
        {"row": 0, "column": column, "value": title, "format": header}
        for column, (title, _) in enumerate(COLUMNS)
    ]
    for row in range(1, rows + 1):
        values = [
            f"2024-{row // 500 % 12 + 1:02d}-{row % 28 + 1:02d}",
            CUSTOMERS[row % len(CUSTOMERS)],
            120 + (row * 7919) % 4800 + row % 100 / 100,
            0.21,
        ]
        cells += (
            {"row": row, "column": column, "value": value, "format": formats[column]}
            for column, value in enumerate(values)
        )
    return json.dumps(cells)


# --8<-- [end:export]


# --8<-- [start:measure]
def traced_bytes(build: Callable[[], object]) -> int:
    """How many bytes the object that `build` returns holds, as tracemalloc counts."""
    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        keep_alive = build()
        after, _ = tracemalloc.get_traced_memory()
        del keep_alive
    finally:
        if not already_tracing:
            tracemalloc.stop()
    return after - before


def in_words(part: int, whole: int) -> str:
    """Describe `part / whole` coarsely, so the words hold on every Python version."""
    ratio = part / whole
    for limit, words in [
        (1 / 10, "less than a tenth"),
        (1 / 3, "less than a third"),
        (1 / 2, "less than half"),
        (1, "less than all"),
    ]:
        if ratio < limit:
            return words
    return "at least as much as"


# --8<-- [end:measure]


# --8<-- [start:pythonic]
@cache
def cell_format(number_format: str = "General", align: str = "left") -> CellFormat:
    """A flyweight factory in one decorator. It never forgets a format it made."""
    return CellFormat(number_format=number_format, align=align)


# --8<-- [end:pythonic]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    export = ledger_export(rows=5_000)
    formats = FormatFactory()
    ledger = load_sheet(export, make_format=formats.get)
    print(f"{len(ledger):,} cells share {len(formats)} formats")
    #> 20,004 cells share 4 formats
    print(f"the factory built {formats.built} formats")
    #> the factory built 4 formats
    print(ledger.cell(1, 2).format is ledger.cell(4_321, 2).format)
    #> True
    for row in range(4):
        print(ledger.render_row(row, widths=[10, 23, 8, 3]))
        #>    Date    |         Customer        |  Amount  | VAT
        #> 2024-01-02 | Harbour Logistics       | 3,239.01 | 21%
        #> 2024-01-03 | Northwind Bakery        | 1,558.02 | 21%
        #> 2024-01-04 | Oakridge Veterinary     | 4,677.03 | 21%
    # --8<-- [end:demo]

    # --8<-- [start:demo-memory]
    one_per_cell = traced_bytes(lambda: load_sheet(export, make_format=CellFormat))
    shared = traced_bytes(lambda: load_sheet(export, make_format=FormatFactory().get))
    print(f"shared formats: {in_words(shared, one_per_cell)} of the memory")
    #> shared formats: less than a third of the memory
    # --8<-- [end:demo-memory]

    # --8<-- [start:demo-variant]
    amount = ledger.cell(1, 2).format
    total = formats.variant(amount, bold=True, border="double")
    print(f"[{total.render(12_345.6, width=10)}]", len(formats))
    #> [ 12,345.60] 5
    print(formats.variant(amount, bold=True, border="double") is total, formats.built)
    #> True 5
    # --8<-- [end:demo-variant]

    # --8<-- [start:demo-weakref]
    del ledger, amount, total
    print(len(formats))
    #> 0
    # --8<-- [end:demo-weakref]

    # --8<-- [start:demo-key]
    bold = formats.get(bold=True)
    try:
        formats.get(bold=1)
    except TypeError as exc:
        print(exc)
        #> bold must be of type bool, got int 1
    # --8<-- [end:demo-key]

    # --8<-- [start:demo-pythonic]
    print(cell_format("0%", "right") is cell_format("0%", "right"))
    #> True
    print(cell_format.cache_info())
    #> CacheInfo(hits=1, misses=1, maxsize=None, currsize=1)

    customers = [
        cell["value"] for cell in json.loads(export)
        if cell["column"] == 1 and cell["row"] > 0
    ]
    print(len(customers), "names,", len({id(name) for name in customers}), "objects")
    #> 5000 names, 5000 objects
    customers = [sys.intern(name) for name in customers]
    print(len(customers), "names,", len({id(name) for name in customers}), "objects")
    #> 5000 names, 8 objects
    # --8<-- [end:demo-pythonic]
    # fmt: on
