"""facturahub's own WSDLs, built from code (wire-compatible with the services they copy)."""
