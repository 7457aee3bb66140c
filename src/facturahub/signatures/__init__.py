"""Hardened XML parsing, WS-Security and XAdES signatures, X.509 helpers.

Knows nothing of invoices, HTTP or databases.
"""

import facturahub.signatures.messages  # noqa: F401  (registers the catalog)
