"""The `promotion:` section of a difyops manifest. Pure.

A manifest is one YAML file (the difyops dialect) with `version: 1` and optional sections:
`workspaces:` (members, see `reconcile.members.manifest`) and `promotion:`::

    version: 1
    promotion:
      source:                        # a workspace …
        workspace: Acme Dev          #   id or exact name
        profile: dev                 #   optional: the difyops profile that reaches it
      # source:                      # … or the backup repository at a ref
      #   git: {repo: ./backup, ref: main, path: dify.example.com/acme-dev}
      target:
        workspace: Acme Prod
        profile: prod
      apps: ["Policy Helpdesk", "Support *"]   # exact names or globs; default: all
      modes: [workflow, advanced-chat]         # default: every mode
      mapping:                                 # source name → target name
        Policy Helpdesk: Policy Helpdesk (EU)
      confirm_pending: minor         # never (default) | minor | always
      dependencies: warn             # warn (default) | fail
      recreate: false                # import blocked apps as new ones
      smoke:                         # app name → its smoke cases (reconcile.smoke.cases),
        Policy Helpdesk:             #   run on the target after import and verification
          - name: answers refunds
            query: How do I get a refund?
            answer: {contains: refund}
      on_smoke_failure: rollback     # rollback (default) | report
      publish: if-tested             # if-tested (default) | always | never (S3 servers)

Unknown keys, wrong types and bad values are reported together as `file:line:column`.
Options given on the command line override the manifest's.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dsl.errors import DslParseError
from dsl.yaml_io import load_roundtrip, position_at
from reconcile.errors import ManifestError
from reconcile.located import shown_key, validate_at
from reconcile.promotion.plan import DependencyPolicy, PendingPolicy, PublishPolicy
from reconcile.smoke.cases import SmokeCases, SmokePolicy
from reconcile.smoke.loader import duplicate_names

TOP_LEVEL_KEYS = ("version", "workspaces", "promotion")
HINT = "The `promotion:` section is described in the README (Promotion)."
Mode = Literal["workflow", "advanced-chat", "chat", "agent-chat", "completion", "agent"]


class GitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str = "."
    ref: str = "HEAD"
    path: str | None = None


class SideSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workspace: str | None = None
    profile: str | None = None
    server: str | None = None
    token_block: str | None = None
    git: GitSpec | None = None

    @model_validator(mode="after")
    def _workspace_or_git(self) -> Self:
        if (self.workspace is None) == (self.git is None):
            raise ValueError("give either `workspace` or `git`")
        if self.git is not None and (self.profile or self.server or self.token_block):
            raise ValueError("a git source takes no credentials")
        return self


class PromotionSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SideSpec
    target: SideSpec
    apps: list[str] = Field(default_factory=list)
    modes: list[Mode] = Field(default_factory=list)
    mapping: dict[str, str] = Field(default_factory=dict)
    confirm_pending: PendingPolicy = "never"
    dependencies: DependencyPolicy = "warn"
    recreate: bool = False
    smoke: SmokeCases = Field(default_factory=dict)
    on_smoke_failure: SmokePolicy = "rollback"
    publish: PublishPolicy = "if-tested"

    @model_validator(mode="after")
    def _target_is_a_workspace(self) -> Self:
        if self.target.git is not None:
            raise ValueError("the target must be a workspace (`workspace:`), not git")
        return self


def load_promotion_section(text: str, *, source: str) -> PromotionSection:
    """The manifest's `promotion:` section, strictly validated."""
    try:
        root = load_roundtrip(text, source=source)
    except DslParseError as exc:
        raise ManifestError(
            f"{source}:{exc.line}:{exc.column}: {exc.message}",
            hint=exc.hint or "Fix the YAML syntax at that place.",
        ) from None
    if not isinstance(root, dict):
        raise ManifestError(f"{source}:1:1: a manifest is a mapping with `version: 1`", hint=HINT)
    problems = []
    for key in root:
        if key not in TOP_LEVEL_KEYS:
            line, column = position_at(root, (key,)) or (1, 1)
            problems.append(
                f"{source}:{line}:{column}: {shown_key(key)}: unknown key (expected one of "
                f"{', '.join(TOP_LEVEL_KEYS)})"
            )
    version = root.get("version")
    if version != 1 or isinstance(version, bool):
        line, column = position_at(root, ("version",)) or (1, 1)
        problems.append(f"{source}:{line}:{column}: version: must be 1")
    if "promotion" not in root:
        problems.append(f"{source}:1:1: there is no `promotion:` section")
        raise ManifestError("\n".join(problems), hint=HINT)
    try:
        section = validate_at(PromotionSection, root, ("promotion",), source=source)
    except ManifestError as error:
        # Every problem at once: the section's own, after the top-level ones.
        raise ManifestError("\n".join([*problems, error.message]), hint=HINT) from None
    problems += duplicate_names(root, ("promotion", "smoke"), section.smoke, source=source)
    if problems:
        raise ManifestError("\n".join(problems), hint=HINT)
    return section
