"""Reading a request body within a size limit, for the edges that take untrusted XML (the
provider API's messages, the GGk endpoint's envelopes)."""
from __future__ import annotations

from fastapi import Request


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` bytes: refused on its declared
    Content-Length, or while it is read in chunks, so an oversized body is never held whole
    in memory."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
