"""Named profiles: which host and account to talk to, and the default workspace.

Stored as JSON in `<config dir>/config.json` (machine-managed; edit it with the CLI).
Tokens are not in this file: see `_credentials.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dify_client._errors import ConfigFileError
from dify_client.profiles._atomic import write_private
from dify_client.profiles._paths import config_dir
from dify_client.remedies import Remedy, Step

TokenStorage = Literal["keyring", "file"]


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str
    email: str
    account_id: str | None = None
    account_name: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    token_id: str | None = None
    token_expires_at: str | None = None
    token_storage: TokenStorage = "file"  # noqa: S105 — a storage kind, not a secret


class ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)


class ProfileStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / "config.json"

    def load(self) -> ConfigFile:
        if not self.path.exists():
            return ConfigFile()
        try:
            return ConfigFile.model_validate_json(self.path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "file"
            raise ConfigFileError(
                f"{self.path}: {where}: {first['msg']}",
                hint=("Fix or delete the file, then ", Step(Remedy.SIGN_IN, "sign in again"), "."),
            ) from exc

    def save(self, config: ConfigFile) -> None:
        text = json.dumps(config.model_dump(exclude_none=True), indent=2, ensure_ascii=False)
        write_private(self.path, text + "\n")

    def get(self, name: str | None) -> tuple[str, Profile] | None:
        config = self.load()
        chosen = name or config.default_profile
        if chosen is None or chosen not in config.profiles:
            return None
        return chosen, config.profiles[chosen]

    def upsert(self, name: str, profile: Profile, *, make_default: bool) -> None:
        config = self.load()
        config.profiles[name] = profile
        if make_default or config.default_profile not in config.profiles:
            config.default_profile = name
        self.save(config)

    def remove(self, name: str) -> None:
        config = self.load()
        config.profiles.pop(name, None)
        if config.default_profile == name:
            config.default_profile = next(iter(config.profiles), None)
        self.save(config)
