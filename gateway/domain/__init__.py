"""Domain logic: the decisions, no HTTP."""
