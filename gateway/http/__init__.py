"""What both HTTP edges (the provider API and the back office) share: the request's unit of
work and the reading of path ids and proxy headers. Neither edge imports the other for these."""
