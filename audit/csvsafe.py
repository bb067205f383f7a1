"""CSV cells a spreadsheet will not run: text starting with ``= + - @`` (or tab, CR) is quoted.

Sits at the very end of the flow (queries -> **CSV**). Spreadsheets treat such cells as
formulas (« CSV injection »); a leading apostrophe makes them plain text. Numbers are written
as numbers: ``-5`` from a count is not text a sender controls.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import orjson

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_WORDS = {True: "vrai", False: "faux"}


def safe_cell(value: Any) -> str:
    """The cell text for ``value``; ``None`` (inconnu) is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _WORDS[value]
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return "'" + text if text.startswith(DANGEROUS) else text


def excel_cell(value: Any) -> str:
    """``safe_cell`` for a spreadsheet set to French: a decimal comma (« 0,5 »), which it
    reads as a number where « 0.5 » would be text."""
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return safe_cell(value)


def write_csv(
    stream: TextIO,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    excel: bool = False,
) -> int:
    """Write a header and one safe row per mapping (RFC 4180: « , » between cells, CRLF
    line ends); returns the number of rows. ``excel``: the file Excel set to French (Québec,
    France) opens by a double click, each cell in its column and every accent right: a
    UTF-8 byte-order mark (without it, Excel reads the bytes as Windows-1252: « dÃ©cision »),
    « ; » between cells (« , » is its decimal separator) and decimal commas."""
    if excel:
        stream.write(BOM)
    writer = csv.writer(stream, delimiter=";" if excel else ",")
    cell = excel_cell if excel else safe_cell
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
        count += 1
    return count


BOM = "\ufeff"
