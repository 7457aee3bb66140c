"""XML-DSig algorithm identifiers accepted by both signature profiles (WS-Security and XAdES, rule S4),
and the RSA / digest primitives behind them: the one place either profile signs, verifies or
digests. Anything not listed here is refused: no HMAC, DSA, ECDSA, MD5, XSLT or XPath.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_10_WITH_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
EXC_C14N_WITH_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"

SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

#: Every canonicalisation either profile knows: URI -> (exclusive, with comments). XAdES accepts
#: them all; WS-Security only the two without comments (what every SOAP stack sends).
C14N_METHODS: dict[str, tuple[bool, bool]] = {
    C14N_10: (False, False),
    C14N_10_WITH_COMMENTS: (False, True),
    EXC_C14N: (True, False),
    EXC_C14N_WITH_COMMENTS: (True, True),
}
WSS_CANONICALIZATIONS = frozenset({EXC_C14N, C14N_10})

_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    RSA_SHA1: hashes.SHA1,
    RSA_SHA256: hashes.SHA256,
    RSA_SHA512: hashes.SHA512,
}
_DIGEST_NAMES = {SHA1: "sha1", SHA256: "sha256", SHA512: "sha512"}

SIGNATURE_METHODS = frozenset(_SIGNATURE_HASHES)
DIGEST_METHODS = frozenset(_DIGEST_NAMES)

# Short names used by configuration and by sign_envelope().
SIGNATURE_METHOD_NAMES = {"rsa-sha1": RSA_SHA1, "rsa-sha256": RSA_SHA256, "rsa-sha512": RSA_SHA512}
DIGEST_METHOD_NAMES = {"sha1": SHA1, "sha256": SHA256, "sha512": SHA512}


def digest(method: str, data: bytes) -> bytes:
    """Digest ``data`` with an accepted DigestMethod URI (KeyError for anything else)."""
    return hashlib.new(_DIGEST_NAMES[method], data).digest()


def rsa_verify(method: str, public_key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
    """PKCS#1 v1.5 verification with an accepted SignatureMethod URI."""
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), _SIGNATURE_HASHES[method]())
    except InvalidSignature:
        return False
    return True


def rsa_sign(method: str, private_key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    return private_key.sign(data, padding.PKCS1v15(), _SIGNATURE_HASHES[method]())
