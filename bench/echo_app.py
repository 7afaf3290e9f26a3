"""The bare baseline of bench/intake.py: FastAPI under uvicorn, nothing else.

It answers every POST to the gateway's intake path with 202 and a small body after reading
the request body, under the same uvicorn options `gateway serve` uses (access log off,
uvicorn's default loop and HTTP implementation), so the gateway's rate divided by this one
is what the gateway's own work costs.

Run: .venv/bin/python bench/echo_app.py --port P [--workers N]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()
ANSWER = b'{"status": "accepted"}'


@app.post("/api/v1/berichten")
async def accept(request: Request) -> Response:
    await request.body()
    return Response(ANSWER, status_code=202, media_type="application/json")


@app.get("/readyz")
@app.get("/healthz")
async def ready() -> dict:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # An import string, not the object: uvicorn needs one to start more than one process.
    uvicorn.run("echo_app:app", app_dir=str(Path(__file__).parent), host=args.host, port=args.port,
                workers=args.workers, access_log=False, proxy_headers=False)


if __name__ == "__main__":
    main()
