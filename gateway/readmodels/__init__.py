"""Read models: the queries behind what a page shows, one module per subject.

A read model only reads. It returns rows and small dataclasses for a page to render; it
never commits and never writes (the page's writes go through the domain services, and the
request's unit of work commits them). Route functions call these instead of querying
themselves, so every query of the back office is found here or in a domain module.
"""
