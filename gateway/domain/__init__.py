"""The domain, by part of the route: `aanvraag/` (request to toewijzing), `levering/` (care
delivered), `financien/` (declarations and reports), `berichten/` (our own messages and the
postbus), `beheer/` (users, access log, retention), and `model/`, the pure values and
judgements the rules share. Services add and flush in the session they are given; the edge
commits. No HTTP here."""
