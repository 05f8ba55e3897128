"""The parameters of each job, as plain models: what flows, deployments and the CLI pass.

Nothing here imports Prefect or opens a connection, so the CLI can build parameters (and
validate them) without paying for loading Prefect; `tasks` run the jobs with them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from jobs.sources import Source, Text
from reconcile.members.planner import PlanOverrides
from reconcile.promotion.plan import PromotionOptions
from reconcile.promotion.planner import Selection
from reconcile.smoke.cases import SmokeCases

# The ranges every job accepts; flows declare their parameters with these, so a run with
# a value out of range is refused before it starts (the deployment's parameter schema).
Concurrency = Annotated[int, Field(ge=1, le=32)]
# Requests per minute per token; Dify's own limit is 60.
RateLimit = Annotated[int, Field(ge=1)]


class WorkspaceSide(BaseModel):
    """A workspace reached with a source's credentials, named by id or exact name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["workspace"] = "workspace"
    workspace: Text
    profile: Text | None = None
    server: Text | None = None
    token_block: Text | None = None

    def credentials(self) -> Source:
        return Source(profile=self.profile, server=self.server, token_block=self.token_block)


class GitSide(BaseModel):
    """A workspace directory of the backup repository at a ref (`git:REF[:PATH]`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["git"] = "git"
    repo: Text
    ref: Text = "HEAD"
    path: Text | None = None


Side = WorkspaceSide | GitSide


class BackupSettings(BaseModel):
    """Everything a backup run needs except credentials (see `Source`)."""

    model_config = ConfigDict(extra="forbid")

    repo: Text = Field(
        description="Path of the backup repository (created if absent), or a git URL to "
        "clone into a cache directory and push back to."
    )
    branch: Text = "main"
    push: bool = False
    full: bool = False
    include_secret: bool = False
    # App ids or names whose credential-looking values the user chose to commit as they are.
    no_redact: list[Text] = Field(default_factory=list)
    author_name: Text = "difyops backup"
    author_email: Text = "difyops@localhost"
    concurrency: Concurrency = 4
    rate_limit: RateLimit | None = 50

    @property
    def remote(self) -> bool:
        return "://" in self.repo or self.repo.startswith("git@")

    def work_tree(self) -> Path:
        """Where the files are written: the path given, or the cached clone of a URL."""
        if not self.remote:
            return Path(self.repo)
        base = os.environ.get("DIFYOPS_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
        root = Path(base) if base else Path.home() / ".cache"
        name = hashlib.sha256(self.repo.encode()).hexdigest()[:16]
        return root / "difyops" / "repos" / name


class MembersSyncSettings(BaseModel):
    """Everything a members run needs except credentials (see `Source`)."""

    model_config = ConfigDict(extra="forbid")

    manifest: Text = Field(description="Path of the members manifest (YAML).")
    only: list[str] = Field(
        default_factory=list,
        description="Plan only these manifest workspaces (id or name); empty means all.",
    )
    overrides: PlanOverrides = Field(default_factory=PlanOverrides)
    rate_limit: RateLimit | None = 50


class PromotionRequest(BaseModel):
    """Everything needed to plan a promotion again identically (no secrets in it)."""

    model_config = ConfigDict(extra="forbid")

    source: WorkspaceSide | GitSide = Field(discriminator="kind")
    target: WorkspaceSide
    selection: Selection = Field(default_factory=Selection)
    options: PromotionOptions = Field(default_factory=PromotionOptions)
    concurrency: Concurrency = 4
    rate_limit: RateLimit | None = 50


class DriftRequest(BaseModel):
    """A drift check: the live workspace against its desired state (a backup's git ref or
    another workspace), optionally narrowed to some apps (names or globs)."""

    model_config = ConfigDict(extra="forbid")

    live: WorkspaceSide
    desired: WorkspaceSide | GitSide = Field(discriminator="kind")
    apps: list[str] = Field(
        default_factory=list, description="Check only these apps (names or globs); empty: all."
    )
    concurrency: int = Field(default=4, ge=1, le=32)
    rate_limit: int | None = Field(default=50, ge=1)

    def promotion(self) -> PromotionRequest:
        """The same comparison as a promotion from the desired state onto the live one."""
        return PromotionRequest(
            source=self.desired,
            target=self.live,
            selection=Selection(apps=self.apps),
            concurrency=self.concurrency,
            rate_limit=self.rate_limit,
        )


class SmokeRequest(BaseModel):
    """A smoke check of one workspace: the cases by app name, and which apps to run."""

    model_config = ConfigDict(extra="forbid")

    target: WorkspaceSide
    cases: SmokeCases
    apps: list[str] = Field(
        default_factory=list, description="Run only these apps' cases (names); empty: all."
    )
    rate_limit: RateLimit | None = 50

    def chosen(self) -> SmokeCases:
        """The cases of the apps asked for, in the order written."""
        wanted = set(self.apps)
        return {name: cases for name, cases in self.cases.items() if not wanted or name in wanted}
