"""The flyweight page's claims: a format is built and validated once per new look."""

from typing import Any

import pytest

from snippets.structural.flyweight import (
    CellFormat,
    FormatFactory,
    ledger_export,
    load_sheet,
)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[CellFormat]:
    """Every `CellFormat` validated while the test runs (the real check still runs)."""
    seen: list[CellFormat] = []
    validate = CellFormat.__post_init__

    def counting(self: CellFormat) -> None:
        seen.append(self)
        validate(self)

    monkeypatch.setattr(CellFormat, "__post_init__", counting)
    return seen


def test_a_repeated_request_builds_and_validates_nothing(validations: list[CellFormat]) -> None:
    formats = FormatFactory()
    first = formats.get(number_format="0%", align="right")
    assert len(validations) == 1
    for _ in range(100):
        assert formats.get(align="right", number_format="0%") is first
    assert len(validations) == 1


def test_loading_a_sheet_validates_once_per_distinct_look(
    validations: list[CellFormat],
) -> None:
    export = ledger_export(rows=200)
    validations.clear()  # the export itself builds formats to write them out
    formats = FormatFactory()
    sheet = load_sheet(export, make_format=formats.get)
    assert len(sheet) == 804
    assert len(formats) == len(validations) == formats.built == 4


class FontName(str):
    """Equal to, and printed like, a plain string."""


@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"bold": 1}, TypeError, "bold must be of type bool, got int 1"),
        ({"size": 11.0}, TypeError, "size must be of type int, got float 11.0"),
        ({"font": ["Calibri"]}, TypeError, "font must be of type str, got list ['Calibri']"),
        ({"font": FontName("Calibri")}, TypeError, "font must be of type str, got FontName"),
        ({"border": "zigzag"}, ValueError, "unknown border 'zigzag'; use one of 'none', "),
        ({"vertical": "middle"}, ValueError, "unknown vertical 'middle'; use one of 'top'"),
        ({"number_format": "0.000"}, ValueError, "unknown number_format '0.000'; use one of"),
        ({"colour": "#1F4E79"}, ValueError, "unknown format settings: colour"),
        ({"fill": "light blue"}, ValueError, "fill is a colour like '#1F4E79', got 'light blue'"),
        ({"size": 80}, ValueError, "a font size is 6 to 72 points, got 80"),
    ],
)
def test_a_cached_look_never_answers_a_bad_request(
    settings: dict[str, Any], error: type[Exception], message: str
) -> None:
    formats = FormatFactory()
    kept = [formats.get(), formats.get(bold=True)]  # cached: equal values, valid types
    with pytest.raises(error) as raised:
        formats.get(**settings)
    assert str(raised.value).startswith(message)
    assert len(formats) == len(kept)
