"""Facturae versions and how to tell them apart: by the root element's namespace."""

from __future__ import annotations

from enum import StrEnum

from lxml import etree

from facturahub.errors import InvalidInput


class FacturaeVersion(StrEnum):
    V3_2 = "3.2"
    V3_2_1 = "3.2.1"
    V3_2_2 = "3.2.2"

    @property
    def namespace(self) -> str:
        return _NAMESPACE_OF[self]

    @property
    def schema_file(self) -> str:
        """Name of the version's XSD in a schema directory (as published by the Facturae site)."""
        return "Facturaev" + self.value.replace(".", "_") + ".xsd"


_NAMESPACE_OF = {
    FacturaeVersion.V3_2: "http://www.facturae.es/Facturae/2009/v3.2/Facturae",
    FacturaeVersion.V3_2_1: "http://www.facturae.es/Facturae/2014/v3.2.1/Facturae",
    FacturaeVersion.V3_2_2: "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml",
}
_VERSION_OF = {namespace: version for version, namespace in _NAMESPACE_OF.items()}

ROOT_NAME = "Facturae"


def root_of(tree: etree._ElementTree | etree._Element) -> etree._Element:
    return tree.getroot() if isinstance(tree, etree._ElementTree) else tree


def detect_version(tree: etree._ElementTree | etree._Element) -> FacturaeVersion:
    """Return the Facturae version named by the root element's namespace.

    Raises ``facturae.not_facturae`` when the root is not a ``Facturae`` element and
    ``facturae.version_unknown`` when its namespace is none of 3.2, 3.2.1, 3.2.2 (FACe 430).
    The ``FileHeader/SchemaVersion`` text is cross-checked by :func:`read_invoice`.
    """
    root = root_of(tree)
    if not isinstance(root.tag, str):
        raise InvalidInput("facturae.not_facturae", root=str(root.tag), line=root.sourceline)
    qname = etree.QName(root)
    if qname.localname != ROOT_NAME:
        raise InvalidInput("facturae.not_facturae", root=qname.localname, line=root.sourceline)
    version = _VERSION_OF.get(qname.namespace or "")
    if version is None:
        raise InvalidInput("facturae.version_unknown", namespace=qname.namespace or "")
    return version
