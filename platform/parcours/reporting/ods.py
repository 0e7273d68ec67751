"""A one-sheet OpenDocument spreadsheet (.ods), written with the standard library.

The State's interoperability framework (RGI) recommends the OpenDocument formats for office
documents exchanged with administrations, so every published table is offered as ODS beside
CSV and XLSX. A table needs none of what a library would bring (styles, formulas): the file is
the zip the ODF 1.2 package format describes, a manifest and the content, numbers typed as
numbers and everything else as text.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.etree import ElementTree as ET

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
# Characters XML 1.0 cannot hold: dropped, so that no stored value can break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _cell(row: ET.Element, value: object) -> None:
    cell = ET.SubElement(row, _q("table", "table-cell"))
    if value is None or value == "":
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.set(_q("office", "value-type"), "float")
        cell.set(_q("office", "value"), str(value))
    else:
        cell.set(_q("office", "value-type"), "string")
    # XML readers turn every line end into "\n": write it so, and what is read is what was written.
    text = _NOT_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    ET.SubElement(cell, _q("text", "p")).text = text


def spreadsheet(*, sheet: str, rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet named `sheet` holding `rows` (the first is usually the header)."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    content = ET.Element(_q("office", "document-content"), {_q("office", "version"): "1.2"})
    body = ET.SubElement(ET.SubElement(content, _q("office", "body")), _q("office", "spreadsheet"))
    table = ET.SubElement(body, _q("table", "table"), {_q("table", "name"): sheet})
    for values in rows:
        row = ET.SubElement(table, _q("table", "table-row"))
        for value in values:
            _cell(row, value)
    manifest = ET.Element(_q("manifest", "manifest"), {_q("manifest", "version"): "1.2"})
    for path, media_type in (("/", MIMETYPE), ("content.xml", "text/xml")):
        ET.SubElement(
            manifest,
            _q("manifest", "file-entry"),
            {_q("manifest", "full-path"): path, _q("manifest", "media-type"): media_type},
        )
        if path == "/":
            manifest[-1].set(_q("manifest", "version"), "1.2")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        # The mimetype comes first and uncompressed: that is how readers recognise the format.
        package.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        package.writestr(
            "META-INF/manifest.xml",
            ET.tostring(manifest, encoding="utf-8", xml_declaration=True),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        package.writestr(
            "content.xml",
            ET.tostring(content, encoding="utf-8", xml_declaration=True),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()
