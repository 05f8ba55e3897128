"""A fake of the `Releaser` port (reconcile.promotion.ports) over a FakeTarget's drafts.

Published versions are copies of the draft text; `current` is the live one. It can be
told to refuse the release check, fail a publish, publish something other than the draft
(as a buggy or tampering server would), or fail a restore.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from dsl import canonical_text, load_text
from reconcile.promotion.ports import TargetError
from reconcile.promotion.view import blank_secrets
from tests.reconcile.fake_target import FakeTarget


@dataclass
class FakeReleaser:
    target: FakeTarget
    versions: dict[str, str] = field(default_factory=dict)  # version id → DSL text
    live: dict[str, str] = field(default_factory=dict)  # app id → live version id
    problems: list[str] = field(default_factory=list)  # failing release checks
    publish_raises: bool = False
    # The connection lost without an answer, "after" the version went live or "before".
    publish_unanswered: str | None = None
    publish_tampers: bool = False  # the first publish stores something else
    restore_raises: bool = False
    drops_secrets: bool = False  # the draft's secrets read as empty after the import
    secrets_set: list[tuple[str, str]] = field(default_factory=list)
    published: list[tuple[str, str, str]] = field(default_factory=list)  # (app, name, comment)

    def publish_draft(self, app_id: str) -> str:
        """Publish what the target's draft holds now (the test's starting state)."""
        version = f"v{len(self.versions) + 1}"
        self.versions[version] = self.target.apps[app_id]
        self.live[app_id] = version
        return version

    def live_text(self, app_id: str) -> str:
        return self.versions[self.live[app_id]]

    # --- the port -------------------------------------------------------------------------

    def live_version(self, app_id: str) -> str | None:
        return self.live.get(app_id)

    def release_problems(self, app_id: str) -> list[str]:
        return list(self.problems)

    def publish(self, app_id: str, *, marked_name: str, marked_comment: str) -> str:
        if self.publish_raises:
            raise TargetError("Internal Server Error", kind="ServerError")
        unanswered = TargetError(
            "connection lost during POST …:publish", kind="DifyConnectionError", maybe_applied=True
        )
        if self.publish_unanswered == "before":
            raise unanswered
        self.published.append((app_id, marked_name, marked_comment))
        version = self.publish_draft(app_id)
        if self.publish_unanswered == "after":
            raise unanswered
        if self.publish_tampers and len(self.published) == 1:
            data = yaml.safe_load(self.versions[version])
            data["workflow"]["graph"]["nodes"][-1]["data"]["title"] = "Tampered"
            self.versions[version] = canonical_text(data)
        return version

    def restore(self, app_id: str, version_id: str) -> None:
        if self.restore_raises:
            raise TargetError("the server is gone", kind="DifyConnectionError")
        self.target.apps[app_id] = self.versions[version_id]

    def empty_secrets(self, app_id: str) -> dict[str, str]:
        data = yaml.safe_load(self.target.apps[app_id])
        variables = data["workflow"].get("environment_variables", [])
        dropped = {v["name"]: v["id"] for v in variables if v["value_type"] == "secret"}
        return (
            dropped
            if self.drops_secrets
            else {
                n: i
                for n, i in dropped.items()
                if not next(v for v in variables if v["name"] == n).get("value")
            }
        )

    def set_secret(self, app_id: str, env_id: str, *, name: str, value: str) -> None:
        self.secrets_set.append((name, value))

    def export_version(self, app_id: str, version_id: str) -> str:
        return canonical_text(blank_secrets(load_text(self.versions[version_id]).data))
