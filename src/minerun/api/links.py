"""Expiring signed links to artifacts, usable without a token."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(secret: str, path: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def signed_query(secret: str, path: str, lifetime: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + lifetime)
    return f"expires={expires}&signature={sign(secret, path, expires)}"


def verify(secret: str, path: str, expires: int, signature: str, now: float | None = None) -> bool:
    if expires < (now or time.time()):
        return False
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    return hmac.compare_digest(sign(secret, path, expires).encode(), signature.encode())
