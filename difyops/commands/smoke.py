"""`difyops smoke run`: run apps' smoke cases on a workspace and check the results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from difyops._completion import complete_workspaces
from difyops._options import JsonOption, ProfileOption
from difyops._output import Output
from difyops.commands._smoke_report import SmokeFileOption, load_smoke, read_text, show_reports
from difyops.exceptions import DifyopsError, UsageError
from jobs import SmokeRequest, WorkspaceSide
from reconcile.promotion.manifest import load_promotion_section
from reconcile.smoke.cases import SmokeCases

app = typer.Typer(
    help="Smoke tests: run apps with known inputs and check what comes back.",
    no_args_is_help=True,
)

SmokeWorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace id or exact name to run in (default with -f: the manifest's target).",
        autocompletion=complete_workspaces,
    ),
]
SmokeAppOption = Annotated[
    list[str] | None,
    typer.Option("--app", "-a", help="Only this app's cases (exact name; repeatable)."),
]
SmokeManifestOption = Annotated[
    Path | None,
    typer.Option(
        "--manifest", "-f", help="A difyops manifest whose `promotion.smoke` holds the cases."
    ),
]


@app.command("run")
def run(
    workspace: SmokeWorkspaceOption = None,
    app_names: SmokeAppOption = None,
    smoke_file: SmokeFileOption = None,
    manifest: SmokeManifestOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Run each app's smoke cases once and judge the results. Exit 0 when every case
    passed, 1 when any failed or an app with cases is not in the workspace.

    Dify runs a workflow or chatflow app's *published* version: what an import changed
    (the draft) is not what these cases exercise until it is published in Dify.
    """
    out = Output(json_mode=json_output)
    target, cases = _target_and_cases(workspace, profile, smoke_file, manifest)
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.smoke import run_smoke  # noqa: PLC0415

    request = SmokeRequest(target=target, cases=cases, apps=app_names or [])
    with out.busy("running smoke cases…"):
        result = run_smoke(request)
    if json_output:
        out.json(result)
    else:
        show_reports(out, result.reports)
        for name, why in sorted(result.missing.items()):
            out.warn(f"{name}: not run: {why}")
        out.note(result.summary())
    if not result.passed:
        raise DifyopsError(
            f"smoke check failed: {result.summary()}",
            hint="Each failed case says what it expected and what the run gave.",
        )


def _target_and_cases(
    workspace: str | None, profile: str | None, smoke_file: Path | None, manifest: Path | None
) -> tuple[WorkspaceSide, SmokeCases]:
    if (smoke_file is None) == (manifest is None):
        raise UsageError(
            "say where the smoke cases are: --smoke FILE or --manifest FILE (one of them)"
        )
    if smoke_file is not None:
        if not workspace:
            raise UsageError("say which workspace to run in", hint="Pass --workspace ID|NAME.")
        return WorkspaceSide(workspace=workspace, profile=profile), load_smoke(smoke_file)
    assert manifest is not None
    section = load_promotion_section(read_text(manifest), source=str(manifest))
    if workspace:
        return WorkspaceSide(workspace=workspace, profile=profile), section.smoke
    spec = section.target
    assert spec.workspace is not None  # a promotion's target is always a workspace
    side = WorkspaceSide(
        workspace=spec.workspace,
        profile=profile or spec.profile,
        server=spec.server,
        token_block=spec.token_block,
    )
    return side, section.smoke
