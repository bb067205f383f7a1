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


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write a header and one safe row per mapping; returns the number of rows."""
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
        count += 1
    return count
