"""`difyops drift`: which live apps differ from their desired state (a backup's git ref or
another workspace). Read-only; the exit code says whether anything drifted."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from difyops._completion import complete_profiles, complete_workspaces
from difyops._options import JsonOption, RateLimitOption
from difyops._output import Output
from difyops._sides import backup_dir_for, side_from_flag
from difyops.commands.promote import RepoOption
from difyops.exceptions import ExitCode, UsageError
from jobs import DriftRequest, GitSide, WorkspaceSide
from reconcile.drift import DriftReport, drift_markdown, drift_rows

HELP = """Compare a workspace's live apps with their desired state; exit 2 when anything drifted.

The desired state is a git ref of the backup repository (`--desired git:REF[:PATH]`, PATH
being a workspace directory `<host>/<workspace>` of the backup; it may be left out when
the backup holds one workspace) or another workspace (`--desired WORKSPACE`, id or exact
name). Apps are compared as `difyops promote plan` compares them: semantically, with
canvas noise ignored and the live app's secrets not counted as changes.

Each drifted app is one of:

* **changed**: it differs from its desired version (the diff says how);
* **missing**: desired, but absent from the live workspace;
* **extra**: in the live workspace, but not in the desired state;
* **blocked**: changed, and Dify's API could not overwrite it (its mode).

SINCE names the desired version compared with: for a git ref, the backup commit that last
touched the app's file; for a workspace, when the desired app was last updated.

Nothing is written to Dify or to git. Exit codes: 0 no drift, 2 drift found, 1 error
(usage mistakes too, so a CI step cannot mistake a typo for drift; 4 and 7 as for every
command). The `drift-check` Prefect deployment runs the same check on a schedule.

Examples:

    difyops drift -w "Acme Prod" --desired git:main --repo ~/dify-backup
    difyops drift -w "Acme Prod" --desired git:v1.4:dify.acme.example/acme-prod --markdown
    difyops drift -w "Acme Prod" --desired "Acme Staging" --app "Support*" --json
"""


def drift(
    workspace: Annotated[
        str,
        typer.Option(
            "--workspace",
            "-w",
            help="The live workspace to check (id or name).",
            autocompletion=complete_workspaces,
        ),
    ],
    desired: Annotated[
        str,
        typer.Option(
            "--desired",
            help="The desired state: git:REF[:PATH] in the backup repository (--repo), or a "
            "workspace id or exact name.",
            autocompletion=complete_workspaces,
        ),
    ],
    repo: RepoOption = Path("."),
    app_names: Annotated[
        list[str] | None,
        typer.Option("--app", "-a", help="App name or glob to check (repeatable; default: all)."),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile that reaches the live workspace.",
            autocompletion=complete_profiles,
        ),
    ] = None,
    desired_profile: Annotated[
        str | None,
        typer.Option(
            "--desired-profile",
            help="Profile that reaches a desired workspace on another server (default: --profile).",
            autocompletion=complete_profiles,
        ),
    ] = None,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown", help="Print the report as Markdown (the Prefect artifact's text)."
        ),
    ] = False,
    rate_limit: RateLimitOption = 50,
    json_output: JsonOption = False,
) -> None:
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.drift import run_drift  # noqa: PLC0415

    if markdown and json_output:
        raise UsageError("--markdown and --json each choose the output: give one of them")
    out = Output(json_mode=json_output)
    wanted = side_from_flag(desired, desired_profile or profile, repo)
    if isinstance(wanted, GitSide) and wanted.path is None:
        # `git:REF` alone: the live workspace's own directory of the backup.
        chosen, _ = backup_dir_for(repo, wanted.ref, workspace)
        wanted = wanted.model_copy(update={"path": chosen})
    request = DriftRequest(
        live=WorkspaceSide(workspace=workspace, profile=profile),
        desired=wanted,
        apps=app_names or [],
        rate_limit=rate_limit,
    )
    with out.busy("comparing the live apps with their desired state…"):
        report = run_drift(request)
    if json_output:
        out.json(report)
    elif markdown:
        sys.stdout.write(drift_markdown(report))
    else:
        show_report(out, report)
    if report.has_drift:
        raise typer.Exit(int(ExitCode.CHANGES))


def show_report(out: Output, report: DriftReport) -> None:
    out.line(f"{report.live.label()} against {report.desired.label()}: {report.summary()}")
    if not report.has_drift:
        return
    out.table(["APP", "STATE", "WHAT DRIFTED", "SINCE"], drift_rows(report))
    for app in report.drifted:
        if not (app.diff_text or app.reason):
            continue
        out.line(f"\n{app.name} ({app.state.value}), live → desired:")
        if app.reason:
            out.line(f"  {app.reason}")
        if app.diff_text:
            out.line("  " + app.diff_text.rstrip().replace("\n", "\n  "))
