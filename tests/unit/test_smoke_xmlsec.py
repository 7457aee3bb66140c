"""lxml and xmlsec are pinned together: both bundle libxml2 and must bundle the same version, or
``import xmlsec`` fails (or, worse, mis-behaves). This test catches an unpaired upgrade."""

import lxml.etree
import xmlsec


def test_xmlsec_imports_with_the_same_libxml2_as_lxml() -> None:
    assert lxml.etree.LIBXML_VERSION == lxml.etree.LIBXML_COMPILED_VERSION
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION


def test_xmlsec_can_sign_and_verify_with_lxml_trees() -> None:
    from cryptography.hazmat.primitives import serialization

    from facturahub.signatures.certgen import issue

    identity = issue("smoke")
    template = lxml.etree.fromstring(b"<root><data>x</data></root>")
    signature = xmlsec.template.create(
        template, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256
    )
    template.append(signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri="")
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    key_pem = identity.private_key_pem
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem)
    context.sign(signature)
    verifier = xmlsec.SignatureContext()
    public_pem = identity.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier.key = xmlsec.Key.from_memory(public_pem, xmlsec.constants.KeyDataFormatPem)
    verifier.verify(signature)
