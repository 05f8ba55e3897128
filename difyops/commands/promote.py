"""`difyops promote plan|apply`: GitOps promotion of apps (and what `difyops restore` shares)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from difyops._completion import complete_modes, complete_profiles, complete_workspaces
from difyops._confirm import AutoApproveOption, ask_approval, check_can_approve
from difyops._options import (
    ForceOption,
    FullValuesOption,
    JsonOption,
    RateLimitOption,
    refuse_overwrite,
)
from difyops._output import Output
from difyops._plans import (
    DetailedExitcodeOption,
    PlanFileOption,
    PlanOutOption,
    exit_for_plan,
    read_plan_file,
    write_plan_file,
)
from difyops._steps import Steps
from difyops.commands._smoke_report import (
    OnSmokeFailureOption,
    SmokeFileOption,
    show_reports,
    smoke_cases,
    smoke_policy,
)
from difyops.exceptions import DifyopsError, UsageError

if TYPE_CHECKING:  # the engine is imported where it is used: `--help` loads none of it
    from jobs import GitSide, PromotionRequest, WorkspaceSide
    from reconcile.promotion.manifest import PromotionSection
    from reconcile.promotion.plan import PromotionOptions, PromotionPlan
    from reconcile.promotion.result import PromotionResult

app = typer.Typer(
    help="Promote apps from a workspace (or a backup's git ref) to another workspace.",
    no_args_is_help=True,
)

FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Source: a workspace id or exact name, or git:REF[:PATH] in the backup repository.",
        autocompletion=complete_workspaces,
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option(
        "--to", help="Target workspace id or exact name.", autocompletion=complete_workspaces
    ),
]
FromProfileOption = Annotated[
    str | None,
    typer.Option(
        "--from-profile",
        help="Profile that reaches the source workspace.",
        autocompletion=complete_profiles,
    ),
]
ToProfileOption = Annotated[
    str | None,
    typer.Option(
        "--to-profile",
        help="Profile that reaches the target workspace.",
        autocompletion=complete_profiles,
    ),
]
RepoOption = Annotated[Path, typer.Option("--repo", help="Backup repository, for git: sources.")]
AppOption = Annotated[
    list[str] | None,
    typer.Option("--app", "-a", help="App name or glob to promote (repeatable; default: all)."),
]
ModeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--mode", help="Only apps of this mode (repeatable).", autocompletion=complete_modes
    ),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="SOURCE=TARGET: promote SOURCE onto the target app TARGET."),
]
ManifestOption = Annotated[
    Path | None,
    typer.Option("--manifest", "-f", help="A difyops manifest with a `promotion:` section."),
]
RecreateOption = Annotated[
    bool,
    typer.Option(
        "--recreate",
        help="Import apps the API cannot overwrite (chat, agent, completion) as new apps.",
    ),
]
PendingOption = Annotated[
    str | None,
    typer.Option(
        "--confirm-pending",
        help="Pending imports (DSL version mismatch): never (default), minor (same major "
        "version), always.",
    ),
]
PublishOption = Annotated[
    str | None,
    typer.Option(
        "--publish",
        help="On a Dify server that can publish (S3): if-tested (default: when Dify's "
        "release check passes, e.g. after the smoke cases' draft test runs), always, or "
        "never (replace the draft only, as on S2).",
    ),
]
DependenciesOption = Annotated[
    str | None,
    typer.Option(
        "--dependencies",
        help="Plugins missing in the target after import: warn (default) or fail (roll back).",
    ),
]


@app.command()
def plan(
    from_: FromOption = None,
    to: ToOption = None,
    app_names: AppOption = None,
    modes: ModeOption = None,
    mapping: MapOption = None,
    manifest: ManifestOption = None,
    from_profile: FromProfileOption = None,
    to_profile: ToProfileOption = None,
    repo: RepoOption = Path("."),
    recreate: RecreateOption = False,
    confirm_pending: PendingOption = None,
    dependencies: DependenciesOption = None,
    publish: PublishOption = None,
    smoke_file: SmokeFileOption = None,
    on_smoke_failure: OnSmokeFailureOption = None,
    out: PlanOutOption = None,
    force: ForceOption = False,
    rate_limit: RateLimitOption = 50,
    detailed_exitcode: DetailedExitcodeOption = False,
    full_values: FullValuesOption = False,
    json_output: JsonOption = False,
) -> None:
    """Show what a promotion would change in the target, app by app and node by node.

    Nothing is written to Dify. `--out plan.json` saves the plan, with its policies
    (--confirm-pending, --dependencies), for `difyops promote apply --plan plan.json`,
    which refuses it if anything changed since. With --detailed-exitcode: 0 no changes,
    2 changes, 1 error.
    """
    refuse_overwrite(out, force=force)
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.promote import run_plan  # noqa: PLC0415

    out_ = Output(json_mode=json_output)
    request = build_request(
        from_,
        to,
        app_names,
        modes,
        mapping,
        manifest,
        from_profile,
        to_profile,
        repo,
        recreate=recreate,
        confirm_pending=confirm_pending,
        dependencies=dependencies,
        publish=publish,
        smoke_file=smoke_file,
        on_smoke_failure=on_smoke_failure,
        rate_limit=rate_limit,
    )
    with Steps(out_, f"planning the promotion to {request.target.workspace}…") as steps:
        result = run_plan(request, steps)
    if out is not None:
        write_plan_file(out, plan_file(result, request))
    if json_output:
        out_.json(plan_file(result, request))
    else:
        show_plan(out_, result, full_values=full_values)
        if out is not None:
            out_.note(f"plan written to {out}; apply it with `difyops promote apply --plan {out}`")
    exit_for_plan(result.has_changes, detailed=detailed_exitcode)


@app.command()
def apply(
    plan_file_path: PlanFileOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    app_names: AppOption = None,
    modes: ModeOption = None,
    mapping: MapOption = None,
    manifest: ManifestOption = None,
    from_profile: FromProfileOption = None,
    to_profile: ToProfileOption = None,
    repo: RepoOption = Path("."),
    recreate: RecreateOption = False,
    confirm_pending: PendingOption = None,
    dependencies: DependenciesOption = None,
    publish: PublishOption = None,
    smoke_file: SmokeFileOption = None,
    on_smoke_failure: OnSmokeFailureOption = None,
    auto_approve: AutoApproveOption = False,
    rate_limit: RateLimitOption = 50,
    json_output: JsonOption = False,
) -> None:
    """Apply a promotion: import, confirm per policy, verify, smoke-test, roll back on failure.

    Without --plan, this plans afresh, shows the plan as `promote plan` does and asks for
    `yes` before the first change (--auto-approve skips the question; without a terminal,
    or with --json, one of --auto-approve or --plan is required). Anything but `yes`:
    "Apply cancelled.", nothing changed, exit 130. With --plan, the reviewed plan is
    applied without a question, only if a fresh plan is identical (its checksum); a plan
    already applied is a no-op. Each app is reported on stderr as it is done; after
    Ctrl-C the apps under way finish, and the command lists what was applied and what
    was not (exit 130; running it again continues). Smoke cases (--smoke, or the
    manifest's) run on the target after import: workflow apps run their published
    version, as Dify's imports change only the draft.
    Exit 1 if any app failed, was rolled back, waits for a decision or failed its cases.
    """
    from difyops.commands._apply_progress import PromotionProgress  # noqa: PLC0415

    # Over 60 lines because Typer declares every option as a parameter and --plan has to
    # name each one it refuses; the steps themselves are the few calls below.
    # flows load Prefect (about a second): only commands that run a job pay for it.
    from flows.promote import run_apply  # noqa: PLC0415
    from reconcile.promotion.result import Outcome  # noqa: PLC0415

    out_ = Output(json_mode=json_output)
    check_can_approve(
        auto_approve=auto_approve,
        reviewed=plan_file_path is not None,
        json_mode=json_output,
        plan_command="difyops promote plan …",
    )
    expected = None
    if plan_file_path is not None:
        given = {
            "--from": from_,
            "--to": to,
            "--app": app_names,
            "--mode": modes,
            "--map": mapping,
            "--manifest": manifest,
            "--from-profile": from_profile,
            "--to-profile": to_profile,
            "--recreate": recreate,
            "--confirm-pending": confirm_pending,
            "--dependencies": dependencies,
            "--publish": publish,
            "--smoke": smoke_file,
            "--on-smoke-failure": on_smoke_failure,
        }
        request, expected = _reviewed_request(plan_file_path, given)
        request = request.model_copy(update={"rate_limit": rate_limit})
    else:
        request = build_request(
            from_,
            to,
            app_names,
            modes,
            mapping,
            manifest,
            from_profile,
            to_profile,
            repo,
            recreate=recreate,
            confirm_pending=confirm_pending,
            dependencies=dependencies,
            publish=publish,
            smoke_file=smoke_file,
            on_smoke_failure=on_smoke_failure,
            rate_limit=rate_limit,
        )
    progress = PromotionProgress(out_)
    planning = ExitStack()
    steps = planning.enter_context(Steps(out_, "planning the promotion…"))

    def approve(fresh: PromotionPlan) -> None:
        planning.close()
        progress.expect(fresh)
        if plan_file_path is not None:
            return  # reviewed already: its checksum is checked before the first change
        if not json_output:
            show_plan(out_, fresh)
        if fresh.has_changes and not auto_approve:
            ask_approval(out_, what=f"apply them to {fresh.target.label()}")
        progress.applying = True

    try:
        with planning:
            fresh, result = run_apply(
                request, expected or None, approve=approve, progress=progress, say=steps
            )
    except KeyboardInterrupt:
        if not progress.applying:
            raise  # still planning: nothing was changed
        raise progress.interrupted() from None
    if json_output:
        out_.json({"plan": plan_file(fresh, request), "result": result})
    else:
        show_result(out_, fresh, result)
    if not result.ok:
        broken = [a.target_name for a in result.apps if a.outcome == Outcome.ROLLBACK_FAILED]
        hint = "See each app's message above; failed apps were rolled back or left as they were."
        if broken:
            hint = (
                f"ROLLBACK FAILED for {', '.join(broken)}: they differ from their state before "
                "the promotion; restore them from the backup (`difyops restore`)."
            )
        raise DifyopsError(f"promotion finished with problems: {result.summary()}", hint=hint)


def _reviewed_request(path: Path, given: Mapping[str, object]) -> tuple[PromotionRequest, str]:
    """The request and checksum a plan file holds; no option may be given beside it."""
    from pydantic import ValidationError  # noqa: PLC0415

    from jobs import PromotionRequest  # noqa: PLC0415
    from reconcile.promotion.plan import PLAN_VERSION  # noqa: PLC0415

    clashing = [flag for flag, value in given.items() if value]
    if clashing:
        raise UsageError(
            f"--plan applies the reviewed plan as it is; it cannot be combined with "
            f"{', '.join(clashing)}",
            hint="Make a new plan with those options (`difyops promote plan … --out`).",
        )
    data = read_plan_file(path, kind="promotion")
    if "version" in data and data["version"] != PLAN_VERSION:
        raise UsageError(
            f"{path} is a promotion plan of version {data['version']!r}; this difyops "
            f"reads version {PLAN_VERSION} only",
            hint="Make the plan again with this difyops (`difyops promote plan … --out FILE`).",
        )
    try:
        request = PromotionRequest.model_validate(data.get("request") or {})
    except ValidationError as exc:
        raise UsageError(
            f"{path} does not hold a promotion request ({exc.error_count()} problem(s))",
            hint="Write plans with `difyops promote plan --out FILE`; do not edit them.",
        ) from None
    return request, _intact_checksum(path, data)


def _intact_checksum(path: Path, data: Mapping[str, Any]) -> str:
    """The plan file's checksum, once the plan it holds is shown to be the one it seals: a
    plan edited by hand (an action, an option) is refused, whatever planning again gives."""
    from pydantic import ValidationError  # noqa: PLC0415

    from reconcile.promotion.plan import PromotionPlan  # noqa: PLC0415

    body = {key: value for key, value in data.items() if key != "request"}
    edited = UsageError(
        f"{path} was edited after it was written: its checksum does not match its plan",
        hint="Make a new plan (`difyops promote plan … --out FILE`), review it, and apply "
        "that one; do not edit plan files.",
    )
    try:
        reviewed = PromotionPlan.model_validate(body)
    except ValidationError:
        raise edited from None
    if not reviewed.is_intact():
        raise edited
    return reviewed.checksum


def plan_file(result: PromotionPlan, request: PromotionRequest) -> dict[str, Any]:
    """The plan as written to --out: the plan plus the request that made it (no secrets)."""
    return {**result.model_dump(mode="json"), "request": request.model_dump(mode="json")}


def show_plan(out: Output, result: PromotionPlan, *, full_values: bool = False) -> None:
    from dsl import render_full_values  # noqa: PLC0415
    from reconcile.promotion.render import plan_rows, planned_smoke  # noqa: PLC0415

    out.line(
        f"Promotion from {result.source.label()} to {result.target.label()}: {result.summary()}"
    )
    out.table(["", "APP", "MODE", "ACTION", "WHAT"], plan_rows(result), empty="no apps selected")
    for planned in result.apps:
        notes = planned.breaking + planned.attention + planned.follow_ups
        if not (planned.diff_text or notes or planned.live):
            continue
        out.line(f"\n{planned.name} ({planned.action.value})")
        if planned.live:
            out.line(f"  live: {planned.live}")
        for item in planned.breaking:
            out.line(f"  BREAKING: {item}")
        for item in planned.attention:
            out.line(f"  attention: {item}")
        for item in planned.follow_ups:
            out.line(f"  follow-up: {item}")
        if planned.diff_text:
            out.line(_indented(planned.diff_text))
        if full_values and planned.diff and (whole := render_full_values(planned.diff)):
            out.line("\n" + _indented(whole))
    for line in planned_smoke(result):
        out.line(f"smoke: {line}")
    out.note(f"checksum {result.checksum}")


def _indented(text: str) -> str:
    """`text` two spaces in, with no line ending in spaces (blank lines stay blank)."""
    return "\n".join(f"  {line}".rstrip() for line in text.rstrip().splitlines())


def show_result(out: Output, fresh: PromotionPlan, result: PromotionResult) -> None:
    if result.nothing_to_do:
        out.success("the reviewed plan is already applied: nothing to do")
        return
    out.table(
        ["APP", "ACTION", "OUTCOME", "MESSAGE"],
        [[a.target_name, a.action.value, a.outcome.value, a.message] for a in result.apps],
    )
    reports = [a.smoke for a in result.apps if a.smoke is not None]
    if reports:  # else the empty table would say "nothing to show" after every apply
        show_reports(out, reports)
    for app_result in result.apps:
        for item in app_result.follow_ups:
            out.warn(f"{app_result.target_name}: {item}")
    out.note(f"{result.summary()} (plan {fresh.checksum})")


def build_request(
    from_: str | None,
    to: str | None,
    app_names: list[str] | None,
    modes: list[str] | None,
    mapping: list[str] | None,
    manifest: Path | None,
    from_profile: str | None,
    to_profile: str | None,
    repo: Path,
    *,
    recreate: bool,
    confirm_pending: str | None = None,
    dependencies: str | None = None,
    smoke_file: Path | None = None,
    on_smoke_failure: str | None = None,
    publish: str | None = None,
    rate_limit: int | None = 50,
) -> PromotionRequest:
    """A request from the command line, over the manifest's `promotion:` section if any;
    the policy flags win over the section's policies."""
    from difyops._sides import side_from_flag  # noqa: PLC0415
    from jobs import PromotionRequest, WorkspaceSide  # noqa: PLC0415
    from reconcile.promotion.plan import PromotionOptions  # noqa: PLC0415
    from reconcile.promotion.planner import Selection  # noqa: PLC0415

    section = _load_manifest(manifest) if manifest else None
    source = (
        side_from_flag(from_, from_profile, repo)
        if from_
        else _side_from_section(section, "source")
    )
    target_side = (
        side_from_flag(to, to_profile, repo) if to else _side_from_section(section, "target")
    )
    if not isinstance(target_side, WorkspaceSide):
        raise UsageError("the target must be a workspace, not a git ref")
    pairs = dict(_pair(m) for m in mapping or [])
    selection = Selection(
        apps=app_names or (section.apps if section else []),
        modes=modes or (list(section.modes) if section else []),
        mapping=pairs or (section.mapping if section else {}),
    )
    options = PromotionOptions(
        confirm_pending=section.confirm_pending if section else "never",
        dependencies=section.dependencies if section else "warn",
        recreate=recreate or bool(section and section.recreate),
        smoke=smoke_cases(smoke_file, section.smoke if section else {}),
        on_smoke_failure=smoke_policy(
            on_smoke_failure, section.on_smoke_failure if section else "rollback"
        ),
        publish=section.publish if section else "if-tested",
    )
    options = with_policies(options, confirm_pending, dependencies, publish)
    return PromotionRequest(
        source=source,
        target=target_side,
        selection=selection,
        options=options,
        rate_limit=rate_limit,
    )


def _load_manifest(path: Path) -> PromotionSection:
    from dsl import DslError, DslParseError, read_text_file  # noqa: PLC0415
    from reconcile.errors import ManifestError  # noqa: PLC0415
    from reconcile.promotion.manifest import load_promotion_section  # noqa: PLC0415

    try:
        text = read_text_file(path, dsl=False)
    except DslParseError as exc:
        raise ManifestError(
            f"{path}:{exc.line}:{exc.column}: {exc.message}", hint=exc.hint
        ) from None
    except DslError as exc:
        raise UsageError(
            str(exc).replace(": cannot read file:", ": cannot read the manifest:"),
            hint="Give the path of a difyops manifest with a `promotion:` section.",
        ) from None
    return load_promotion_section(text, source=str(path))


def _side_from_section(section: PromotionSection | None, which: str) -> WorkspaceSide | GitSide:
    from jobs import GitSide, WorkspaceSide  # noqa: PLC0415

    if section is None:
        raise UsageError(
            f"say where to promote {'from' if which == 'source' else 'to'}",
            hint="Use --from and --to, or --manifest FILE with a promotion section.",
        )
    spec = section.source if which == "source" else section.target
    if spec.git is not None:
        return GitSide(repo=spec.git.repo, ref=spec.git.ref, path=spec.git.path)
    assert spec.workspace is not None
    return WorkspaceSide(
        workspace=spec.workspace,
        profile=spec.profile,
        server=spec.server,
        token_block=spec.token_block,
    )


def with_policies(
    base: PromotionOptions,
    confirm_pending: str | None,
    dependencies: str | None,
    publish: str | None = None,
) -> PromotionOptions:
    """Command-line policies over `base`, checked with a usage error naming the flag."""
    if publish not in (None, "never", "if-tested", "always"):
        raise UsageError(f"--publish takes if-tested, always or never, not {publish!r}")
    if confirm_pending not in (None, "never", "minor", "always"):
        raise UsageError(f"--confirm-pending takes never, minor or always, not {confirm_pending!r}")
    if dependencies not in (None, "warn", "fail"):
        raise UsageError(f"--dependencies takes warn or fail, not {dependencies!r}")
    changes = {"confirm_pending": confirm_pending, "dependencies": dependencies, "publish": publish}
    return base.model_copy(update={k: v for k, v in changes.items() if v is not None})


def _pair(text: str) -> tuple[str, str]:
    source, sep, target = text.partition("=")
    if not sep or not source or not target:
        raise UsageError(f"--map takes SOURCE=TARGET, got {text!r}")
    return source, target
