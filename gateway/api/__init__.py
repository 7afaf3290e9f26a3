"""The HTTP API for machine clients (/api/v1) and the app factory."""
