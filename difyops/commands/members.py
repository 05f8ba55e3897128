"""`difyops members list|plan|apply|export`: workspace members, declaratively.

`plan` compares a manifest (`reconcile.members.manifest`) with the live members and shows what would
change; `apply` makes the changes (re-planning first, or checking a saved plan is still
fresh); `export` writes the current membership as a manifest to start from.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from difyops._completion import complete_workspaces
from difyops._confirm import AutoApproveOption, ask_approval, check_can_approve
from difyops._options import (
    ForceOption,
    JsonOption,
    ProfileOption,
    RateLimitOption,
    WorkspaceOption,
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
from difyops.exceptions import DifyopsError, UsageError

if TYPE_CHECKING:  # the client and the reconciler are imported where used: not for `--help`
    from jobs import MembersSyncSettings
    from reconcile.members.planner import PlanOverrides
    from reconcile.members.run import MembersPlanSet

app = typer.Typer(help="Workspace members.", no_args_is_help=True)

ManifestOption = Annotated[
    Path,
    typer.Option(
        "--manifest",
        "-f",
        help="Members manifest (YAML; `members export` writes one to start from).",
        dir_okay=False,
    ),
]
ApplyManifestOption = Annotated[
    Path | None,
    typer.Option(
        "--manifest",
        "-f",
        help="Members manifest (default with --plan: the one the plan was made from).",
        dir_okay=False,
    ),
]
OnlyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        help="Filter the manifest's workspaces: only the one with this id or name (repeatable).",
        autocompletion=complete_workspaces,
    ),
]
# `-w/--workspace` picks a workspace in `members list|export`; here it filtered the
# manifest, which `--only` now says. Kept, hidden, so scripts written for it still work.
OldOnlyOption = Annotated[
    list[str] | None,
    typer.Option("--workspace", "-w", hidden=True),
]
PruneOption = Annotated[
    bool | None,
    typer.Option(
        "--prune/--no-prune",
        help="Remove members missing from the manifest (overrides the manifest's `prune`).",
        show_default=False,
    ),
]
RatioOption = Annotated[
    float | None,
    typer.Option(
        "--max-removal-ratio",
        min=0.0,
        max=1.0,
        help="Most of the members one run may remove (overrides `max_removal_ratio`).",
    ),
]
MaxInvitesOption = Annotated[
    int | None,
    typer.Option(
        "--max-invites",
        min=0,
        help="Most people one run may invite into a workspace (default 500).",
    ),
]
NoAdminOption = Annotated[
    bool,
    typer.Option("--allow-no-admin", help="Allow a plan that leaves no active owner or admin."),
]
UntouchableOption = Annotated[
    bool,
    typer.Option(
        "--skip-untouchable",
        help="Leave the owner and the acting account as they are instead of refusing a "
        "manifest that would change or remove them.",
    ),
]
InviteUrlsOption = Annotated[
    Path | None,
    typer.Option(
        "--invite-urls",
        help="Append each invitation link (it holds a secret token) to this file, mode 0600, "
        "as soon as its invite succeeds (FILE.sent notes each invitee just before; a later "
        "apply with the same FILE re-issues a link a killed run lost). Without it the links "
        "are not kept: Dify e-mails the invitations, and pending invitees are not invited "
        "again.",
        dir_okay=False,
    ),
]


@app.command("list")
def list_members(
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Every member of a workspace, pending invitees included (status `pending`)."""
    from difyops.connection import open_client, resolve_workspace  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
        with out.busy("listing members…"):
            members = list(client.members.iter_all(choice.id))
    if json_output:
        out.json(members)
        return
    out.table(
        ["EMAIL", "NAME", "ROLE", "STATUS", "ID"],
        [[m.email, m.name, m.role, m.status, m.id] for m in members],
        empty="no members",
    )


@app.command("plan")
def plan(
    manifest: ManifestOption,
    only: OnlyOption = None,
    old_only: OldOnlyOption = None,
    prune: PruneOption = None,
    max_removal_ratio: RatioOption = None,
    max_invites: MaxInvitesOption = None,
    allow_no_admin: NoAdminOption = False,
    skip_untouchable: UntouchableOption = False,
    out_file: PlanOutOption = None,
    force: ForceOption = False,
    detailed_exitcode: DetailedExitcodeOption = False,
    show_unchanged: Annotated[
        bool, typer.Option("--show-unchanged", help="List unchanged members too.")
    ] = False,
    rate_limit: RateLimitOption = 50,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show what applying the manifest would change. Changes nothing.

    Guards refuse a plan that would touch the owner or the acting account
    (--skip-untouchable), remove more than max_removal_ratio of the members
    (--max-removal-ratio), invite more than 500 people into a workspace (--max-invites),
    leave no active owner or admin (--allow-no-admin), or assign a
    role the API cannot set. Members missing from the manifest are left alone unless
    prune is on (--prune).
    """
    from difyops.commands._members_report import print_plan  # noqa: PLC0415
    from jobs import MembersSyncSettings, Source  # noqa: PLC0415
    from reconcile.members.planner import PlanOverrides  # noqa: PLC0415

    # Planning reads only: the reads themselves, not the flow (which loads Prefect, ~1 s).
    from tasks.members.reading import plan_manifest, read_manifest  # noqa: PLC0415

    refuse_overwrite(out_file, force=force)
    out = Output(json_mode=json_output)
    settings = MembersSyncSettings(
        manifest=str(manifest),
        only=_only(out, only, old_only),
        overrides=PlanOverrides(
            prune=prune,
            max_removal_ratio=max_removal_ratio,
            allow_no_admin=allow_no_admin,
            skip_untouchable=skip_untouchable,
            max_invites=max_invites,
        ),
        rate_limit=rate_limit,
    )
    manifest_read = read_manifest(settings.manifest)  # a bad file is one line, no steps
    with Steps(out, f"planning the members of {manifest}…") as steps:
        plan_set = plan_manifest(manifest_read, settings, Source(profile=profile), steps)
    if out_file is not None:
        write_plan_file(out_file, plan_set)
    if json_output:
        out.json(plan_set)
    else:
        print_plan(out, plan_set, show_unchanged=show_unchanged)
        if out_file is not None:
            out.note(
                f"plan written to {out_file}; apply it with "
                f"`difyops members apply --plan {out_file}`"
            )
    exit_for_plan(plan_set.has_changes, detailed=detailed_exitcode)


@app.command("apply")
def apply(
    manifest: ApplyManifestOption = None,
    plan_file: PlanFileOption = None,
    only: OnlyOption = None,
    old_only: OldOnlyOption = None,
    prune: PruneOption = None,
    max_removal_ratio: RatioOption = None,
    max_invites: MaxInvitesOption = None,
    allow_no_admin: NoAdminOption = False,
    skip_untouchable: UntouchableOption = False,
    invite_urls: InviteUrlsOption = None,
    auto_approve: AutoApproveOption = False,
    rate_limit: RateLimitOption = 50,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Apply the manifest: plan afresh, then make each change with one API call.

    Without --plan, the fresh plan is shown as `members plan` shows it and apply asks for
    `yes` before the first change (--auto-approve skips the question; without a terminal,
    or with --json, one of --auto-approve or --plan is required). Anything but `yes`:
    "Apply cancelled.", nothing changed, exit 130. With --plan FILE, the fresh plan must
    be identical to the reviewed one (same checksum), else nothing changes (nothing to do
    if its changes are all made already); no question is asked.
    Each change is reported on stderr as it is made; after Ctrl-C, apply lists the
    changes made and not made (exit 130; running it again continues).
    A change that fails (e.g. member_limit_exceeded) is reported with Dify's message
    and hint and the others still run; exit 1 if any failed.
    Invitation links are never printed: --invite-urls FILE saves each one (mode 0600)
    as its invite succeeds; without it, apply warns before it starts that they will not
    be kept (Dify e-mails the invitations).
    """
    from difyops.commands._apply_progress import MembersProgress  # noqa: PLC0415
    from difyops.commands._members_report import print_plan, report_apply, warn_links_not_kept  # noqa: PLC0415

    # Imported here: the flow module loads Prefect (~1 s), which `members list` must not pay.
    from flows.sync_members import run_members_apply  # noqa: PLC0415
    from jobs import Source  # noqa: PLC0415
    from reconcile.members.planner import PlanOverrides  # noqa: PLC0415

    out = Output(json_mode=json_output)
    check_can_approve(
        auto_approve=auto_approve,
        reviewed=plan_file is not None,
        json_mode=json_output,
        plan_command="difyops members plan -f MANIFEST",
    )
    overrides = PlanOverrides(
        prune=prune,
        max_removal_ratio=max_removal_ratio,
        allow_no_admin=allow_no_admin,
        skip_untouchable=skip_untouchable,
        max_invites=max_invites,
    )
    settings, reviewed = _apply_settings(
        manifest, plan_file, _only(out, only, old_only), overrides, rate_limit
    )
    progress = MembersProgress(out)
    planning = ExitStack()
    steps = planning.enter_context(Steps(out, "planning the member changes…"))

    def approve(plan_set: MembersPlanSet) -> None:
        # Called only when there is something to change.
        planning.close()
        progress.expect(plan_set)
        if reviewed is None and not json_output:
            # The links' note is the plan's; an apply without the file warns below.
            print_plan(out, plan_set, show_unchanged=False, advise_links=False)
        if invite_urls is None:
            warn_links_not_kept(out, plan_set)
        if reviewed is None and not auto_approve:
            ask_approval(out, what="make these member changes")
        progress.applying = True

    try:
        with planning:
            run = run_members_apply(
                settings,
                Source(profile=profile),
                reviewed=reviewed,
                before_apply=approve,
                invite_urls_file=str(invite_urls) if invite_urls is not None else None,
                progress=progress,
                say=steps,
            )
    except KeyboardInterrupt:
        if not progress.applying:
            raise  # still planning: nothing was changed
        raise progress.interrupted() from None
    report_apply(out, run, invite_urls, json_output=json_output)
    if not run.ok:
        raise DifyopsError(
            "some member changes failed",
            hint="The other changes were made; fix the cause and run `difyops members "
            "apply` again (it plans afresh).",
        )


@app.command("export")
def export(
    workspace: WorkspaceOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the manifest here instead of stdout.", dir_okay=False
        ),
    ] = None,
    force: ForceOption = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the workspace's current membership as a manifest (start from reality).

    Planning the exported manifest right away shows no changes; edit it from there.
    """
    from difyops.connection import open_client, resolve_workspace  # noqa: PLC0415
    from jobs import Source  # noqa: PLC0415

    # The read itself, not the flow (which loads Prefect, ~1 s).
    from tasks.members.reading import export_manifest  # noqa: PLC0415

    out = Output(json_mode=json_output)
    refuse_overwrite(out_file, force=force)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
    text = export_manifest(Source(profile=profile), choice.id)
    if out_file is not None:
        try:
            out_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DifyopsError(
                f"cannot write {out_file}: {exc.strerror or exc}",
                hint="Give --out a file path in a directory this user can write.",
            ) from None
    if json_output:
        out.json(
            {
                "workspace_id": choice.id,
                "path": str(out_file) if out_file else None,
                "manifest": text,
            }
        )
    elif out_file is None:
        # Written as is: a console would wrap or restyle what must stay valid YAML.
        sys.stdout.write(text)
    else:
        out.success(
            f"wrote {out_file}; `difyops members plan -f {out_file}` should show no changes"
        )


def _apply_settings(
    manifest: Path | None,
    plan_file: Path | None,
    only: list[str],
    overrides: PlanOverrides,
    rate_limit: int,
) -> tuple[MembersSyncSettings, MembersPlanSet | None]:
    """What to apply: the manifest with the flags, or the reviewed plan with its own."""
    from jobs import MembersSyncSettings  # noqa: PLC0415
    from reconcile.members.planner import PlanOverrides  # noqa: PLC0415

    if plan_file is None:
        if manifest is None:
            raise UsageError("give the manifest (--manifest FILE) or a plan file (--plan FILE)")
        return MembersSyncSettings(
            manifest=str(manifest), only=only, overrides=overrides, rate_limit=rate_limit
        ), None
    if overrides != PlanOverrides() or only:
        raise UsageError(
            "--plan takes its options from the plan file",
            hint="Drop the override flags, or make a new plan with them.",
        )
    reviewed = _read_members_plan(plan_file)
    settings = MembersSyncSettings(
        manifest=str(manifest) if manifest else reviewed.manifest,
        only=reviewed.only,
        overrides=reviewed.overrides,
        rate_limit=rate_limit,
    )
    return settings, reviewed


def _only(out: Output, only: list[str] | None, old_only: list[str] | None) -> list[str]:
    """The manifest workspaces to plan (`--only`), the old spelling included."""
    if old_only:
        out.note("note: -w/--workspace is now --only")
    return [*(only or []), *(old_only or [])]


def _read_members_plan(path: Path) -> MembersPlanSet:
    from pydantic import ValidationError  # noqa: PLC0415

    from reconcile.members.run import PLAN_FORMAT, PLAN_KIND, MembersPlanSet  # noqa: PLC0415

    data = read_plan_file(path, kind=PLAN_KIND)
    hint = "Write plans with `difyops members plan --out FILE`; do not edit them."
    if data.get("format", PLAN_FORMAT) != PLAN_FORMAT:
        raise UsageError(
            f"{path} is a members plan of format {data['format']!r}; this difyops reads "
            f"format {PLAN_FORMAT} only",
            hint="Make the plan again with this difyops (`difyops members plan --out FILE`).",
        )
    try:
        plan_set = MembersPlanSet.model_validate(data)
    except ValidationError as exc:
        raise UsageError(
            f"{path} is not a valid members plan ({exc.error_count()} problem(s))", hint=hint
        ) from None
    if not plan_set.is_intact():
        raise UsageError(
            f"{path} was edited after it was written: its checksum does not match its plan",
            hint="Make a new plan (`difyops members plan --out FILE`), review it, and apply "
            "that one; do not edit plan files.",
        )
    return plan_set
