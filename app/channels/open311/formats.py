"""Open311 answers in XML or JSON (the spec's Spark-convention mapping), and its error format."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response, request

# A list under this tag holds elements of that tag: <services><service>...</service></services>.
ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
             "endpoints": "endpoint", "formats": "format", "errors": "error"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all (a NUL or a stray control character in an SMS, say).
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """An error to answer as <errors><error><code/><description/></error></errors> (or its JSON)."""

    def __init__(self, status: int, description: str, code: int | None = None, headers: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.code, self.headers = status, description, code or status, headers or {}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def respond(fmt: str, root: str, value, status: int = 200, headers: dict | None = None) -> Response:
    """`value` in JSON as is, or in XML under `root` (a list becomes repeated item elements)."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False)
        mimetype = "application/json"
    else:
        body = to_xml(root, value)
        mimetype = "text/xml"
    response = Response(body, status=status, mimetype=mimetype, headers=headers)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    return response


def requested_format() -> str:
    """json or xml: from the route's format, else the path's extension; XML (the required format) otherwise."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def error_response(status: int, description: str, code: int | None = None, headers: dict | None = None) -> Response:
    return respond(requested_format(), "errors", [{"code": code or status, "description": description}],
                   status=status, headers=headers)
