"""Service settings: one class, read from ``MINERUN_*`` environment variables.

Settings are built by :func:`load_settings` and passed down explicitly; nothing builds them at
import time, so tests and several processes on one machine can each run with their own.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure, with the defaults of a one-machine install."""

    model_config = SettingsConfigDict(env_prefix="MINERUN_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Database file, datasets and artifacts.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_processes: int = Field(1, ge=1, le=64, description="`minerun api` processes on the port.")
    public_base_url: str = Field("", description="Base URL put in links; empty: from the request.")
    worker_slots: int = Field(2, ge=1, le=256, description="Operations one worker runs at once.")
    worker_name: str = Field("", description="Name shown as workerNode; empty: host-pid.")
    lease_seconds: float = Field(30.0, gt=0)
    heartbeat_seconds: float = Field(5.0, gt=0)
    poll_seconds: float = Field(1.0, gt=0, description="Longest sleep between queue checks.")
    cancel_grace_seconds: float = Field(5.0, gt=0)
    max_crashes: int = Field(
        5, ge=1, description="Crashed attempts (process died, lease expired) before Failed."
    )
    drain_seconds: float = Field(10.0, ge=0, description="On SIGTERM, time to finish work.")
    health_port: int = Field(
        0, ge=0, le=65535, description="`minerun worker`: port of its probes and metrics; 0: none."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto", description="Log lines as JSON objects or text; auto: text on a terminal only."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    priority_aging_seconds: float = Field(
        300.0, gt=0, description="Waiting this long raises an operation by one priority level."
    )
    default_estimate_seconds: float = Field(60.0, gt=0)
    price_cpu_hour: float = Field(0.048, ge=0, description="Price of one CPU unit for an hour.")
    price_memory_gb_hour: float = Field(0.0053, ge=0, description="Price of one GB for an hour.")
    artifact_link_seconds: int = Field(3600, gt=0)
    secret_key: str = Field("", description="Signs artifact links; empty: kept in the database.")
    kind_modules: str = Field(
        "minerun.kinds.builtin", description="Comma-separated modules that register kinds."
    )
    max_upload_bytes: int = Field(2 * 1024**3, gt=0)
    max_decompressed_bytes: int = Field(
        512 * 1024**2, gt=0, description="Largest CSV or XES content of an upload, decompressed."
    )
    max_json_bytes: int = Field(
        1024**2, gt=0, description="Largest JSON request body; larger ones answer 413."
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhooks to private and loopback addresses (never metadata)."
    )
    webhook_timeout_seconds: float = Field(15.0, gt=0, description="Timeout of one delivery.")
    delivery_threads: int = Field(8, ge=1, le=256, description="Deliveries sent at once.")
    delivery_poll_seconds: float = Field(0.05, gt=0, description="Idle wait between claims.")
    stream_poll_seconds: float = Field(
        0.05, gt=0, le=60, description="Longest wait before an event stream sees a new event."
    )
    stream_heartbeat_seconds: float = Field(
        15.0, gt=0, le=3600, description="Idle time before an event stream sends a comment."
    )
    stream_send_timeout_seconds: float = Field(
        30.0, gt=0, description="An event stream whose client reads nothing that long closes."
    )
    event_retention_hours: float = Field(
        168.0, gt=0, description="How long stream events stay replayable."
    )
    smtp_host: str = Field("", description="SMTP server for e-mail; empty: e-mail is skipped.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = Field("", repr=False)
    smtp_from: str = Field("", description="Sender address of notification e-mails.")
    slack_token: str = Field("", repr=False, description="Bot token for chat.postMessage.")
    slack_channel: str = Field("", description="Channel when the operation names none.")
    slack_base_url: str = "https://slack.com/api"
    slack_webhook_url: str = Field("", repr=False, description="Incoming-webhook URL.")

    @model_validator(mode="after")
    def _check_timing(self) -> Self:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("MINERUN_HEARTBEAT_SECONDS must be shorter than MINERUN_LEASE_SECONDS")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'minerun.db').resolve()}"

    @property
    def resolved_worker_name(self) -> str:
        return self.worker_name or f"{socket.gethostname()}-{os.getpid()}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def kind_module_names(self) -> list[str]:
        return [name.strip() for name in self.kind_modules.split(",") if name.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]
