"""Pure rules and values: registry, directory, invoices, tax identifiers. No frameworks here."""

import facturahub.domain.messages  # noqa: F401  (registers the catalog)
