"""Run-time settings of the emulator.

The command line (`python -m emulator serve --dsl-version … --edition …`) gives the *base*
settings. `PATCH /_emulator/settings` stores overrides in the database (so they survive a
restart on a file database, like the rest of the state); `POST /_emulator/reset` drops the
overrides and returns to the command-line values.

Rate limiting (`rate_limit_per_minute`) is one switch for every limiter of contract §1.6:
0 (the default, so tests and the demo are never throttled) turns all of them off; a
positive value is the per-token bearer limit and the per-account `GET /account` limit,
and turns on the fixed device-flow limits (60 codes/hour/IP, 60 lookups/5 min/IP,
10 approvals/hour/console session), as Dify has them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

Edition = Literal["SELF_HOSTED", "CLOUD"]
Generation = Literal["s2", "s3"]

DEFAULT_DSL_VERSION = "0.6.0"
DEFAULT_SERVER_VERSION = "1.15.0"
# Dify's OPENAPI_KNOWN_CLIENT_IDS defaults to "difyctl"; difyops' own client id is
# accepted too so the project's CLI can log in against the emulator without flags.
DEFAULT_KNOWN_CLIENT_IDS = ("difyctl", "difyops")


@dataclass(frozen=True)
class EmulatorSettings:
    dsl_version: str = DEFAULT_DSL_VERSION
    edition: Edition = "SELF_HOSTED"
    server_version: str = DEFAULT_SERVER_VERSION
    enterprise: bool = False
    rate_limit_per_minute: int = 0
    member_limit: int = 0
    token_ttl_days: int = 14
    console_url: str | None = None
    known_client_ids: tuple[str, ...] = DEFAULT_KNOWN_CLIENT_IDS
    # The runtime surface: Dify's SSE keep-alive is ~10 s; app concurrency 0 = unlimited
    # (Dify's APP_MAX_ACTIVE_REQUESTS); UPLOAD_FILE_SIZE_LIMIT is 15 MB; the extension
    # blacklist (UPLOAD_FILE_EXTENSION_BLACKLIST) is empty by default.
    sse_ping_interval_s: float = 10.0
    max_concurrent_runs_per_app: int = 0
    upload_file_size_limit_bytes: int = 15 * 1024 * 1024
    upload_blocked_extensions: tuple[str, ...] = ()
    # Which generation of Dify's OpenAPI paths to serve (S2: the spec's; S3: resource-
    # oriented, with `/_catalog`), and S3 operations moved to other paths (op id → path).
    generation: Generation = "s2"
    s3_path_moves: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["known_client_ids"] = list(self.known_client_ids)
        data["upload_blocked_extensions"] = list(self.upload_blocked_extensions)
        data["s3_path_moves"] = dict(self.s3_path_moves)
        return data


class SettingsPatch(BaseModel):
    """Body of `PATCH /_emulator/settings` (every field optional, unknown keys refused)."""

    model_config = ConfigDict(extra="forbid")

    dsl_version: str | None = None
    edition: Edition | None = None
    server_version: str | None = None
    enterprise: bool | None = None
    rate_limit_per_minute: int | None = Field(None, ge=0)
    member_limit: int | None = Field(None, ge=0)
    # Dify clamps OAUTH_TTL_DAYS to 1..365; the emulator refuses values outside it instead.
    token_ttl_days: int | None = Field(None, ge=1, le=365)
    console_url: str | None = None
    known_client_ids: list[str] | None = None
    sse_ping_interval_s: float | None = Field(None, gt=0)
    max_concurrent_runs_per_app: int | None = Field(None, ge=0)
    upload_file_size_limit_bytes: int | None = Field(None, ge=1)
    upload_blocked_extensions: list[str] | None = None
    generation: Generation | None = None
    s3_path_moves: dict[str, str] | None = None

    @field_validator("dsl_version")
    @classmethod
    def _pep440(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Version(value)
            except InvalidVersion as exc:
                raise ValueError(f"not a PEP 440 version: {value!r}") from exc
        return value


def apply_patch(base: EmulatorSettings, overrides: Mapping[str, Any]) -> EmulatorSettings:
    values = dict(overrides)
    if "known_client_ids" in values and values["known_client_ids"] is not None:
        values["known_client_ids"] = tuple(values["known_client_ids"])
    if values.get("s3_path_moves") is not None:
        values["s3_path_moves"] = tuple(sorted(dict(values["s3_path_moves"]).items()))
    if values.get("upload_blocked_extensions") is not None:
        values["upload_blocked_extensions"] = tuple(values["upload_blocked_extensions"])
    return dataclasses.replace(base, **values)


class SettingsManager:
    """Effective settings = command-line base + stored overrides."""

    def __init__(
        self,
        base: EmulatorSettings,
        load_overrides: Callable[[], dict[str, str]],
        save_override: Callable[[str, str], None],
        clear_overrides: Callable[[], None],
    ) -> None:
        self._base = base
        self._load = load_overrides
        self._save = save_override
        self._clear = clear_overrides
        self._current = self._compute()

    def _compute(self) -> EmulatorSettings:
        stored = {key: json.loads(raw) for key, raw in self._load().items()}
        known = {field.name for field in dataclasses.fields(EmulatorSettings)}
        return apply_patch(self._base, {k: v for k, v in stored.items() if k in known})

    @property
    def base(self) -> EmulatorSettings:
        return self._base

    def current(self) -> EmulatorSettings:
        return self._current

    def patch(self, patch: SettingsPatch) -> EmulatorSettings:
        for key, value in patch.model_dump(exclude_unset=True).items():
            self._save(key, json.dumps(value))
        self._current = self._compute()
        return self._current

    def reload(self) -> EmulatorSettings:
        self._current = self._compute()
        return self._current

    def reset(self) -> EmulatorSettings:
        self._clear()
        self._current = self._compute()
        return self._current
