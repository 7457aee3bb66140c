"""Building SOAP 1.1 responses and faults (unsigned; :mod:`facturahub.soap.transport` signs them)
and reading RPC/literal parameters from a verified operation element.

Responses follow protocols.md §1: ``<ns1:{operation}Response><return>…</return>``, everything
inside ``return`` unqualified, an empty optional value as an empty element.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from facturahub.errors import InvalidInput
from facturahub.signatures.wss_envelope import SOAP11_NS

SOAP_ENV = f"{{{SOAP11_NS}}}"


def element(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """An unqualified child; ``None`` text renders as an empty element."""
    child = etree.SubElement(parent, name, nsmap=None)
    set_text(child, text)
    return child


def set_text(node: etree._Element, text: str | None) -> None:
    """``None`` or ``""`` leaves the element empty (``<motivo/>``)."""
    if text is not None and text != "":
        node.text = text


def unit(parent: etree._Element, name: str, code: str | None, label: str | None) -> etree._Element:
    """A ``{codigo, nombre}`` pair (FACe ``UnidadDir3``)."""
    holder = element(parent, name)
    element(holder, "codigo", code)
    element(holder, "nombre", label)
    return holder


def resultado(parent: etree._Element, code: str, description: str, tracking_id: str) -> etree._Element:
    holder = element(parent, "resultado")
    element(holder, "codigo", code)
    element(holder, "descripcion", description)
    element(holder, "codigoSeguimiento", tracking_id)
    return holder


def response_envelope(namespace: str, operation: str) -> tuple[etree._Element, etree._Element]:
    """An empty ``{operation}Response`` envelope; returns (envelope, the ``return`` element)."""
    envelope = etree.Element(f"{SOAP_ENV}Envelope", nsmap={"SOAP-ENV": SOAP11_NS, "ns1": namespace})
    etree.SubElement(envelope, f"{SOAP_ENV}Header")
    body = etree.SubElement(envelope, f"{SOAP_ENV}Body")
    wrapper = etree.SubElement(body, f"{{{namespace}}}{operation}Response")
    return envelope, element(wrapper, "return")


def fault_envelope(fault_code: str, fault_string: str) -> etree._Element:
    """``faultcode`` is ``Client`` or ``Server``; ``faultstring`` is ``<tracking> - <code> - <text>``."""
    envelope = etree.Element(f"{SOAP_ENV}Envelope", nsmap={"SOAP-ENV": SOAP11_NS})
    etree.SubElement(envelope, f"{SOAP_ENV}Header")
    body = etree.SubElement(envelope, f"{SOAP_ENV}Body")
    fault = etree.SubElement(body, f"{SOAP_ENV}Fault")
    element(fault, "faultcode", f"SOAP-ENV:{fault_code}")
    element(fault, "faultstring", fault_string)
    return envelope


# --- reading parameters -------------------------------------------------------------------------


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    """Element children named ``name`` (unqualified as RPC/literal sends them, or qualified)."""
    if parent is None:
        return []
    return [child for child in parent if isinstance(child.tag, str) and etree.QName(child).localname == name]


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    found = children(parent, name)
    return found[0] if found else None


def text(parent: etree._Element | None, name: str) -> str | None:
    """The text of the named child, stripped; ``None`` when absent, nil or empty."""
    found = child(parent, name)
    if found is None:
        return None
    value = "".join(found.itertext()).strip()
    return value or None


def required_text(parent: etree._Element | None, name: str, path: str | None = None) -> str:
    value = text(parent, name)
    if value is None:
        raise InvalidInput("soap.parameter_missing", name=path or name)
    return value


def texts(parent: etree._Element | None, name: str) -> Iterable[str]:
    for found in children(parent, name):
        yield "".join(found.itertext()).strip()
