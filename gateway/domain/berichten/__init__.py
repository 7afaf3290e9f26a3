"""The gateway's own messages: the self-check of everything it sends, and the providers'
postbus with the retours that answer it."""
