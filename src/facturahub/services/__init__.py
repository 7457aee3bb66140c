"""Use cases: take plain values and a unit of work (a SQLAlchemy session), return results or raise
errors. They never commit and never see a request."""

import facturahub.services.messages  # noqa: F401  (registers the catalog)
