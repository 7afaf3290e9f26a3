"""Celery app and tasks. Tasks are thin: they turn ids into a session and call gateway.domain."""
