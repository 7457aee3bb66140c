"""A client for FACe- and eFACT-compatible suppliers' web services (ours or the public ones):
zeep built from the endpoint's WSDL, requests signed with WS-Security (BinarySecurityToken, signed
Timestamp), responses verified with the server's certificate when one is given."""
