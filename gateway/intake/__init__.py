"""Intake: authenticating parties, checking and storing received messages, answering them."""
