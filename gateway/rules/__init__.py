"""Business rules of iJw 3.2 (and our own AG rules), one function per rule code.

Importing this package registers every rule; `gateway.rules.engine.evaluate` runs them.
"""
from gateway.rules import (  # noqa: F401  (imported for their registrations)
    client,
    declaratie,
    declaratie_antwoord,
    external,
    levering,
    products,
    regie,
    requests,
    state,
    wijziging,
)
