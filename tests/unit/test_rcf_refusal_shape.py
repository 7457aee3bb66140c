"""Every FACe RCF operation knows the holder it answers empty when refused (soap/face_rcf.py)."""

from lxml import etree

from facturahub.soap.face_rcf import ANSWERS, OPERATIONS, refusal_shape

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def test_every_operation_has_its_refusal_shape() -> None:
    assert set(ANSWERS) == set(OPERATIONS)


def test_lists_are_typed_and_objects_have_their_fields_empty() -> None:
    (listing,) = refusal_shape("solicitarNuevasFacturas")
    assert (
        listing.tag,
        len(listing),
        listing.get(XSI_TYPE, "").endswith(":ArrayOfSolicitarNuevasFacturas"),
    ) == (
        "facturas",
        0,
        True,
    )
    (factura,) = refusal_shape("descargarFactura")
    assert factura.get(XSI_TYPE) is None
    assert [(child.tag, child.text, len(child)) for child in factura] == [
        (name, None, 0)
        for name in ("numero", "serie", "importe", "proveedor", "nombre", "factura", "mime", "anexos")
    ]
    assert etree.QName(factura).namespace is None  # unqualified, as everything inside ``return``
    assert refusal_shape("noSuchOperation") == []
