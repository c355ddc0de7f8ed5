"""The client stands alone: importing it loads none of the server's dependencies or modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minerun.client import SignatureError, verify_webhook
from minerun.notify.signing import generate_secret, webhook_headers

SRC = Path(__file__).resolve().parents[3] / "src"
FORBIDDEN = ("polars", "sklearn", "fastapi", "sqlalchemy", "starlette", "numpy", "psycopg")


def test_importing_the_client_loads_no_server_dependency() -> None:
    code = (
        "import json, sys\n"
        "import minerun.client\n"
        "from minerun.client import Client, AsyncClient\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    heavy = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    server = [m for m in loaded if m.startswith("minerun.") and not m.startswith("minerun.client")]
    assert heavy == [] and server == []
    assert "httpx" in loaded and "pydantic" in loaded


@pytest.mark.parametrize(
    "secret", [generate_secret(), "a plain shared secret"], ids=["whsec", "plain"]
)
def test_verify_webhook_accepts_what_the_server_signs(secret: str) -> None:
    body = json.dumps({"type": "operation.completed", "data": {"operationId": "op1"}}).encode()
    headers = webhook_headers([generate_secret(), secret], "msg_1", int(time.time()), body)
    assert verify_webhook(secret, headers, body)["data"] == {"operationId": "op1"}
    upper = {k.upper(): v for k, v in headers.items()}
    assert verify_webhook(secret, upper, body.decode())["type"] == "operation.completed"
    with pytest.raises(SignatureError, match="no matching"):
        verify_webhook(secret, headers, body + b" ")
    stale = webhook_headers(secret, "msg_2", int(time.time()) - 301, body)
    with pytest.raises(SignatureError, match="too old"):
        verify_webhook(secret, stale, body)
    with pytest.raises(SignatureError, match="missing"):
        verify_webhook(secret, {}, body)
