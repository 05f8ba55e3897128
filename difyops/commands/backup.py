"""`difyops backup run|status|log`: every app of every workspace, versioned in git."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from difyops._options import JsonOption, RateLimitOption
from difyops._output import Output
from difyops.exceptions import DifyopsError, UsageError
from jobs import BackupSettings, Source
from reconcile.backup.plan import HIDDEN_APPS_NOTE, BackupReport, totals
from tasks.backup.history import AppLookupError, app_history, backup_status

app = typer.Typer(help="Back up app DSLs into a git repository.", no_args_is_help=True)

RepoOption = Annotated[
    Path, typer.Option("--repo", "-r", help="Backup repository (a git work tree; created if new).")
]


# `run` is long only by its signature: Typer declares each flag as an annotated parameter.
@app.command()
def run(
    repo: RepoOption,
    workspace: Annotated[
        list[str] | None,
        typer.Option("--workspace", "-w", help="Only these workspaces (id or name; repeatable)."),
    ] = None,
    push: Annotated[bool, typer.Option(help="Push to the repository's origin afterwards.")] = False,
    full: Annotated[
        bool,
        typer.Option(help="Export every app, not only changed ones; report silent changes."),
    ] = False,
    include_secret: Annotated[
        bool,
        typer.Option(
            "--include-secret",
            help="Export secret environment values too (they are still redacted before "
            "commit unless --no-redact names the app).",
        ),
    ] = False,
    no_redact: Annotated[
        list[str] | None,
        typer.Option(
            "--no-redact",
            help="Commit this app's credential-looking values as they are (id or name; "
            "repeatable). Only for values you know are not secrets.",
        ),
    ] = None,
    branch: Annotated[str, typer.Option(help="Branch to commit to.")] = "main",
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Parallel exports.")] = 4,
    rate_limit: RateLimitOption = 50,
    author_name: Annotated[str, typer.Option(help="Commit author name.")] = "difyops backup",
    author_email: Annotated[str, typer.Option(help="Commit author email.")] = "difyops@localhost",
    profiles: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile to back up (repeatable: several hosts or accounts in one run; "
            "default: DIFY_SERVER/DIFY_TOKEN, then the default profile).",
            envvar="DIFYOPS_PROFILE",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Export every app the API can see into REPO and commit once if anything changed.

    Layout: `<host>/<workspace>/<app>.yml` plus `<host>/<workspace>/_index.yml` (and, on
    S3 servers, `<app>.published.yml` while the live version differs). Incremental:
    apps whose updated_at and stored file are unchanged are not exported again. Exit 1 if
    any app could not be exported (the others are still committed; the failed one keeps
    its last good file); when the server stops answering, the run stops exporting after
    a few failures in a row. Exit 4 if the token is rejected mid-run (nothing is
    committed then).
    """
    out = Output(json_mode=json_output)
    if include_secret:
        out.warn("--include-secret: secret values are exported; they are redacted before commit")
    settings = BackupSettings(
        repo=str(repo),
        branch=branch,
        push=push,
        full=full,
        include_secret=include_secret,
        no_redact=no_redact or [],
        author_name=author_name,
        author_email=author_email,
        concurrency=concurrency,
        rate_limit=rate_limit,
    )
    chosen: list[str | None] = list(profiles) if profiles else [None]
    sources = [Source(profile=p, workspaces=workspace or []) for p in chosen]
    report = _run_job(out, settings, sources, spinner=out.interactive and not json_output)
    if json_output:
        out.json(report.model_dump(mode="json"))
    else:
        _print_report(out, report, repo)
    if not report.ok:
        stopped = any(r.stopped for r in report.results)
        raise DifyopsError(
            report.failure_line(),
            hint=(
                "What was exported before is "
                + ("committed" if report.commit else "in the repository")
                + "; the apps not exported keep their last good file, if they had one. "
                "Check that the server is up and reachable, then run again."
            )
            if stopped
            else "They kept their last good file; see the messages above and run again.",
        )


def _run_job(
    out: Output, settings: BackupSettings, sources: list[Source], *, spinner: bool
) -> BackupReport:
    # Imported here: the flow loads Prefect (about a second), which status and log never need.
    from flows.backup import run_backup  # noqa: PLC0415

    # Said on stderr: a run waiting for another backup of the repository is not hung.
    if not spinner:
        return run_backup(settings, sources, None, out.note)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=out.err,
        transient=True,
    ) as progress:
        job = progress.add_task("listing apps…", total=None)
        exported: list[str] = []

        def tick(name: str) -> None:
            exported.append(name)
            progress.update(job, description=f"exported {len(exported)}: {name}")

        return run_backup(settings, sources, tick, out.note)


def _print_report(out: Output, report: BackupReport, repo: Path) -> None:
    counts = totals(report.results)
    for result in report.results:
        failed = result.count("failed")
        out.note(
            f"{result.workspace_name}: {result.listed} app(s), {result.exports} exported"
            + (f", {failed} failed" if failed else "")
            + (f" — {result.error}" if result.error else "")
        )
        skipped = result.skipped_line()
        if skipped:
            out.line(f"  stopped  {skipped}")
        for outcome in result.listed_outcomes():
            detail = outcome.summary or outcome.error or outcome.mode
            out.line(f"  {outcome.status:<8} {outcome.name}: {detail}")
            for finding in outcome.redacted:
                out.warn(f"redacted in {outcome.name}: {finding}")
            for finding in outcome.unredacted:
                out.warn(f"committed unredacted in {outcome.name} (--no-redact): {finding}")
            if outcome.changed_without_timestamp:
                out.warn(f"{outcome.name} changed although its updated_at did not move")
        if result.unlisted_modes:
            out.note(f"  {result.unlisted_modes} app(s) of modes the API does not list")
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "no changes"
    if report.commit:
        out.success(f"committed {report.commit[:12]} in {repo} ({summary})")
    else:
        out.success(f"nothing to commit in {repo} ({summary})")
    if report.pushed:
        out.success("pushed to origin")
    out.note(f"note: {HIDDEN_APPS_NOTE}")


@app.command()
def status(repo: RepoOption, json_output: JsonOption = False) -> None:
    """The last backup run, and how many apps the repository holds per workspace."""
    out = Output(json_mode=json_output)
    state = backup_status(str(repo))
    if json_output:
        out.json(state)
        return
    if state.head is None:
        out.line(f"{repo}: no backup committed yet")
    else:
        out.line(f"{repo}: last commit {state.head[:12]} {state.last_commit_date}")
        out.line(f"  {state.last_commit_subject}")
    if state.last_run:
        finished = state.last_run.get("finished_at")
        commit = state.last_run.get("commit") or "no commit (nothing changed)"
        out.line(f"last run finished {finished}: {commit}")
    out.table(
        ["WORKSPACE", "APPS", "REDACTED"],
        [[w["workspace"], w.get("apps", 0), w.get("redacted", 0)] for w in state.workspaces],
        empty="no apps backed up yet",
    )


@app.command()
def log(
    app_ref: Annotated[str, typer.Argument(help="App id, exact name, or path in the repository.")],
    repo: RepoOption,
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Workspace name, when names repeat.")
    ] = None,
    max_count: Annotated[int, typer.Option("--max-count", "-n", help="At most this many.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """One app's history: each commit that changed it, with what changed semantically."""
    out = Output(json_mode=json_output)
    try:
        found, entries = app_history(str(repo), app_ref, workspace=workspace, max_count=max_count)
    except AppLookupError as exc:
        # An app that is not there is a usage error, as in every command naming an app.
        raise UsageError(exc.message, hint=exc.hint) from None
    if json_output:
        out.json({"app": found, "history": entries})
        return
    out.line(f"{found.name} ({found.mode}, {found.app_id}) — {found.path}")
    out.table(
        ["COMMIT", "DATE", "CHANGE"],
        [[e.sha[:12], e.date, e.summary] for e in entries],
        empty="no history",
    )
