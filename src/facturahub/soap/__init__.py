"""SOAP 1.1 transport and the FACe / eFACT / RCF service profiles."""
