"""Rules X1/X2 at the parser level (the functional tests repeat them through the SOAP endpoints)."""

import pytest

from facturahub.errors import SecurityError
from facturahub.signatures.xml import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', id="file-entity"),
        pytest.param(b'<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><a>&x;</a>', id="http-entity"),
        pytest.param(
            b'<!DOCTYPE a [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><a/>', id="parameter-entity"
        ),
        pytest.param(b'<!DOCTYPE a SYSTEM "http://127.0.0.1:9/a.dtd"><a/>', id="external-dtd"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param("<!DOCTYPE a><a/>".encode("utf-16"), id="utf16-doctype"),
    ],
)
def test_any_doctype_is_refused(document: bytes) -> None:
    with pytest.raises(SecurityError) as caught:
        parse_xml(document)
    assert caught.value.key == "xml.doctype_forbidden"


def test_xinclude_is_not_processed() -> None:
    tree = parse_xml(
        b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></a>'
    )
    assert b"root:" not in __import__("lxml.etree").etree.tostring(tree)


def test_undeclared_entity_and_malformed_xml_name_the_position() -> None:
    with pytest.raises(SecurityError) as caught:
        parse_xml(b"<a>\n<b></a>")
    assert caught.value.key == "xml.malformed"
    assert "line 2" in caught.value.message("en")


def test_size_is_capped_before_parsing() -> None:
    document = b"<a>" + b"x" * 100 + b"</a>"
    assert parse_xml(document, max_bytes=len(document)).getroot().text == "x" * 100
    with pytest.raises(SecurityError) as caught:
        parse_xml(document, max_bytes=len(document) - 1)
    assert caught.value.key == "xml.too_large"
