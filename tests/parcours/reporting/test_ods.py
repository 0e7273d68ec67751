"""platform/parcours/reporting/ods.py: a spreadsheet every reader opens, whatever it holds."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from parcours.reporting.ods import MIMETYPE, NS, spreadsheet


def read_back(data: bytes) -> list[list[Any]]:
    """The cells as a reader sees them: numbers as numbers, the rest as text."""
    package = zipfile.ZipFile(io.BytesIO(data))
    first = package.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert package.read("mimetype").decode() == MIMETYPE
    manifest = ET.fromstring(package.read("META-INF/manifest.xml"))
    paths = {e.get(f"{{{NS['manifest']}}}full-path") for e in manifest}
    assert paths == {"/", "content.xml"}
    content = ET.fromstring(package.read("content.xml"))
    rows = []
    for row in content.iter(f"{{{NS['table']}}}table-row"):
        cells: list[Any] = []
        for cell in row:
            kind = cell.get(f"{{{NS['office']}}}value-type")
            if kind == "float":
                cells.append(float(cell.get(f"{{{NS['office']}}}value") or "nan"))
            elif kind == "string":
                cells.append("".join(p.text or "" for p in cell))
            else:
                cells.append(None)
        rows.append(cells)
    return rows


def test_numbers_stay_numbers_and_text_stays_text() -> None:
    data = spreadsheet(sheet="statistiques", rows=[["code", "valeur"], ["31", 39], ["2A", None]])
    assert read_back(data) == [["code", "valeur"], ["31", 39.0], ["2A", None]]


@given(st.lists(st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=5), max_size=5))
def test_any_stored_value_gives_a_file_that_opens(rows: list[list[Any]]) -> None:
    """A value that XML cannot hold (a control character) is dropped, never a broken file."""
    back = read_back(spreadsheet(sheet="s", rows=rows))
    assert len(back) == len(rows)
    for written, read in zip(rows, back, strict=True):
        assert len(read) == len(written)
        for value, cell in zip(written, read, strict=True):
            if isinstance(value, int):
                assert cell == float(value)
            elif value:
                assert set(cell) <= set(value.replace("\r", "\n"))
