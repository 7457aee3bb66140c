"""A certification authority whose name has the attributes Spanish CAs put in theirs (serialNumber,
organizationIdentifier, emailAddress, a non-ASCII CN and a comma in O), and that name as each
client library writes it in ``ds:X509IssuerName``, for the unit and the functional tests.

The strings were printed by the libraries themselves for a certificate with exactly this name
(OpenJDK 17's ``X500Principal``, OpenSSL 3.0's ``-nameopt``); they are literals here so that the
tests need neither Java nor the openssl command.
"""

from __future__ import annotations

import functools

from cryptography import x509
from cryptography.x509.oid import NameOID

from facturahub.signatures.certgen import Identity, issue

CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fábrica Nacional, S.A."),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Ceres"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "VATES-Q2826004J"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "Q2826004J"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ac@facturahub.invalid"),
        x509.NameAttribute(NameOID.COMMON_NAME, "AC Representación"),
    ]
)

# How each library writes CA_NAME.
WRITTEN = {
    # X500Principal.getName(): RFC 2253, what WSS4J and Apache Santuario put in X509IssuerName
    "java-rfc2253": (
        "CN=AC Representación,1.2.840.113549.1.9.1=#1615616340666163747572616875622e696e76616c6964,"
        "2.5.4.5=#130951323832363030344a,2.5.4.97=#0c0f56415445532d51323832363030344a,"
        "OU=Ceres,O=Fábrica Nacional\\, S.A.,C=ES"
    ),
    "java-rfc1779": (
        "CN=AC Representación, OID.1.2.840.113549.1.9.1=ac@facturahub.invalid, OID.2.5.4.5=Q2826004J, "
        'OID.2.5.4.97=VATES-Q2826004J, OU=Ceres, O="Fábrica Nacional, S.A.", C=ES'
    ),
    # X500Principal.toString(), the same shape as .NET's X500DistinguishedName.Name
    "java-tostring": (
        "CN=AC Representación, EMAILADDRESS=ac@facturahub.invalid, SERIALNUMBER=Q2826004J, "
        'OID.2.5.4.97=VATES-Q2826004J, OU=Ceres, O="Fábrica Nacional, S.A.", C=ES'
    ),
    "java-canonical": (
        "cn=ac representación,1.2.840.113549.1.9.1=#1615616340666163747572616875622e696e76616c6964,"
        "2.5.4.5=#130951323832363030344a,2.5.4.97=#0c0f56415445532d51323832363030344a,"
        "ou=ceres,o=fábrica nacional\\, s.a.,c=es"
    ),
    # X509_NAME_print_ex with XN_FLAG_RFC2253: what xmlsec (and so zeep) writes
    "openssl-rfc2253": (
        "CN=AC Representaci\\C3\\B3n,emailAddress=ac@facturahub.invalid,serialNumber=Q2826004J,"
        "organizationIdentifier=VATES-Q2826004J,OU=Ceres,O=F\\C3\\A1brica Nacional\\, S.A.,C=ES"
    ),
    "openssl-oneline": (
        'C = ES, O = "F\\C3\\A1brica Nacional, S.A.", OU = Ceres, organizationIdentifier = VATES-Q2826004J, '
        "serialNumber = Q2826004J, emailAddress = ac@facturahub.invalid, CN = AC Representaci\\C3\\B3n"
    ),
    # PHP's xmlseclibs: openssl_x509_parse's pairs joined with "," and no escaping at all
    "php-xmlseclibs": (
        "CN=AC Representación,emailAddress=ac@facturahub.invalid,serialNumber=Q2826004J,"
        "organizationIdentifier=VATES-Q2826004J,OU=Ceres,O=Fábrica Nacional, S.A.,C=ES"
    ),
}

# Names that differ from CA_NAME in one attribute: none may match.
OTHER_NAMES = {
    "organization-identifier": WRITTEN["java-rfc2253"].replace(
        "2.5.4.97=#0c0f56415445532d51323832363030344a", "2.5.4.97=#0c0f56415445532d51323832363030344b"
    ),
    "serial-number": WRITTEN["java-tostring"].replace("SERIALNUMBER=Q2826004J", "SERIALNUMBER=Q2826004K"),
    "email-missing": WRITTEN["openssl-rfc2253"].replace("emailAddress=ac@facturahub.invalid,", ""),
    "organization": WRITTEN["php-xmlseclibs"].replace("O=Fábrica Nacional, S.A.", "O=Fábrica Nacional"),
    "extra-attribute": "L=Madrid," + WRITTEN["java-rfc2253"],
}


@functools.cache
def spanish_ca() -> Identity:
    """A self-signed CA named CA_NAME (one per test session: an RSA key takes a while)."""
    return issue("AC Representación", subject=CA_NAME, is_ca=True, days=365)


def issued_by_spanish_ca(common_name: str, tax_id: str) -> Identity:
    """A client certificate issued by :func:`spanish_ca`."""
    return issue(common_name, issuer=spanish_ca(), tax_id=tax_id)
