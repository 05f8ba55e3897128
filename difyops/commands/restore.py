"""`difyops restore`: re-import a past version of an app from the backup repository.

A restore is a promotion from the backup's git ref into the workspace, so it shares the
promotion's plan, apply, rendering and policies (difyops.commands.promote).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from difyops._completion import complete_profiles, complete_workspaces
from difyops._options import JsonOption
from difyops._output import Output
from difyops._sides import backup_dir_for
from difyops._steps import Steps
from difyops.commands.promote import (
    PendingOption,
    PublishOption,
    RepoOption,
    plan_file,
    show_plan,
    show_result,
    with_policies,
)
from difyops.exceptions import DifyopsError, UsageError
from jobs import GitSide, PromotionRequest, WorkspaceSide
from reconcile.promotion.plan import PromotionOptions
from reconcile.promotion.planner import Selection


def restore(
    app_ref: Annotated[str, typer.Argument(help="App name as stored in the backup.")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Workspace to restore into (id or name).",
            autocompletion=complete_workspaces,
        ),
    ],
    at: Annotated[
        str, typer.Option("--at", help="Git ref of the backup (sha, tag, branch, HEAD~1).")
    ],
    repo: RepoOption = Path("."),
    path: Annotated[
        str | None,
        typer.Option(
            help="Workspace directory of the backup (<host>/<workspace>); default: the"
            " one of the --to workspace, else the only one holding the app."
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", "-p", help="Profile of the target.", autocompletion=complete_profiles
        ),
    ] = None,
    apply_it: Annotated[
        bool, typer.Option("--apply", help="Apply; without it, only plan.")
    ] = False,
    confirm_pending: PendingOption = None,
    publish: PublishOption = None,
    json_output: JsonOption = False,
) -> None:
    """Re-import a past version of an app from the backup repository.

    Goes through the same plan/apply path as a promotion: without --apply it shows what
    the restore would change; with --apply it imports, verifies, and rolls back on a
    mismatch. Secrets the app holds now are kept. On a Dify server that can publish, the
    restored version is published too (--publish always, the default here: a backup is a
    version someone already ran), and a failure puts the version live before back.
    """
    if path is None:
        path = _default_path(repo, at, app_ref, to)
    request = PromotionRequest(
        source=GitSide(repo=str(repo), ref=at, path=path),
        target=WorkspaceSide(workspace=to, profile=profile),
        selection=Selection(apps=[app_ref]),
        options=with_policies(PromotionOptions(publish="always"), confirm_pending, None, publish),
    )
    out = Output(json_mode=json_output)
    if apply_it:
        _apply(out, request, app_ref, at, json_output=json_output)
    else:
        _show(out, request, app_ref, at, json_output=json_output)


def _default_path(repo: Path, at: str, app_ref: str, to: str) -> str | None:
    """The backup directory to restore from: the target workspace's own, when it holds the
    app, else the only directory that does. None with a single directory (it is the one)."""
    chosen, dirs = backup_dir_for(repo, at, to, app=app_ref)
    if chosen is not None or len(dirs) <= 1:
        return chosen
    holding = [d.directory for d in dirs if app_ref in d.app_names]
    where = "hold an app" if holding else "are in the backup, none with an app"
    raise UsageError(
        f"{len(holding or dirs)} workspace directories {where} named {app_ref!r} at {at}",
        hint=f"Pass --path with one of: {', '.join(holding or [d.directory for d in dirs])}.",
    )


NO_APP_HINT = (
    "Give the app's name as the backup stores it (`difyops backup log NAME --repo REPO` "
    "finds it by id or path too, and suggests a near name); check --at and --path."
)


def _show(
    out: Output, request: PromotionRequest, app_ref: str, at: str, *, json_output: bool
) -> None:
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.promote import run_plan  # noqa: PLC0415

    with Steps(out, f"planning the restore of {app_ref!r} at {at}…") as steps:
        planned = run_plan(request, steps)
    if not planned.apps:
        raise UsageError(f"no app named {app_ref!r} in the backup at {at}", hint=NO_APP_HINT)
    if json_output:
        out.json(plan_file(planned, request))
    else:
        show_plan(out, planned)
        out.note("nothing was changed; run again with --apply to restore")


def _apply(
    out: Output, request: PromotionRequest, app_ref: str, at: str, *, json_output: bool
) -> None:
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.promote import run_apply  # noqa: PLC0415

    fresh, result = run_apply(request)
    if not fresh.apps:
        raise UsageError(f"no app named {app_ref!r} in the backup at {at}", hint=NO_APP_HINT)
    if json_output:
        out.json({"plan": plan_file(fresh, request), "result": result})
    else:
        show_result(out, fresh, result)
    if not result.ok:
        raise DifyopsError(f"restore finished with problems: {result.summary()}")
