"""The StUF-GGk edge: the door of the national chain into the gateway (SOAP 1.1), and the
operator's tools for that route (sending an envelope, a stand-in for the chain)."""
