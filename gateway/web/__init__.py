"""Human-readable documents (HTML) rendered from the gateway's data."""
