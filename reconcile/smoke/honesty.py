"""Which version of an app a smoke run exercises, said plainly. Pure.

Dify runs the *published* workflow of a workflow or chatflow (advanced-chat) app on every
surface but the console's debugger (api/services/app_generate_service.py, `_get_workflow`:
"Workflow not published" when there is none), and a DSL import, over an app or as a new
one, only syncs the *draft* (api/services/app_dsl_service.py, `sync_draft_workflow`). The
OpenAPI cannot publish. So after a promotion of such an app, its smoke cases ran against
the version that was live before, never the one imported; a new one has nothing to run
at all. Chat, agent-chat and completion apps have no draft: the imported model config is
what runs. Reports must never claim the imported version was tested when it was not.
"""

from __future__ import annotations

# Modes whose import changes only the draft; everything else is live once imported.
DRAFT_ONLY_MODES = frozenset({"workflow", "advanced-chat"})

PUBLISHED_AFTER_IMPORT = (
    "imported as draft; publish it in Dify to go live; "
    "smoke cases ran against the published version"
)
PUBLISHED_BEFORE_IMPORT = (
    "will be imported as draft; publish it in Dify to go live; "
    "smoke cases will run against the published version, not the imported one"
)
NOTHING_PUBLISHED = (
    "a new app is imported as draft and has no published version to run: "
    "publish it in Dify, then run its smoke cases"
)
DRAFT_TESTED = "smoke cases ran as draft test runs of the imported version"
IMPORTED_IS_LIVE = "smoke cases ran against the imported version (this mode has no draft)"
PUBLISHED_ONLY = "smoke cases ran against the published version (imports change only the draft)"


def runs_published_only(mode: str | None) -> bool:
    """Whether a run of an app of this mode exercises its published version only."""
    return mode in DRAFT_ONLY_MODES


def after_import(
    mode: str | None, *, new_app: bool, tests_drafts: bool = False
) -> tuple[str, str | None]:
    """(note for the report, reason to skip the cases or None) after importing an app;
    `tests_drafts` when the runner test-runs drafts (a server that can, Dify S3)."""
    if not runs_published_only(mode):
        return IMPORTED_IS_LIVE, None
    if tests_drafts:
        return DRAFT_TESTED, None
    if new_app:
        return NOTHING_PUBLISHED, NOTHING_PUBLISHED
    return PUBLISHED_AFTER_IMPORT, None


def in_plan(mode: str | None, *, new_app: bool, tests_drafts: bool = False) -> str:
    """What a plan says its smoke cases will exercise."""
    if tests_drafts and runs_published_only(mode):
        return "smoke cases will run as draft test runs of the imported version"
    if not runs_published_only(mode):
        return "smoke cases will run against the imported version (this mode has no draft)"
    return NOTHING_PUBLISHED if new_app else PUBLISHED_BEFORE_IMPORT


def standalone(mode: str | None) -> str:
    """What a smoke run on its own (no import) exercised."""
    return (
        PUBLISHED_ONLY if runs_published_only(mode) else "smoke cases ran against the app as it is"
    )


def rolled_back(mode: str | None, *, tests_drafts: bool = False) -> str:
    """What a report of smoke cases that made a promotion roll back says they exercised."""
    if tests_drafts and runs_published_only(mode):
        return DRAFT_TESTED + "; rolled back"
    if not runs_published_only(mode):
        return "smoke cases ran against the imported version"
    return "smoke cases ran against the published version, not the imported draft"
