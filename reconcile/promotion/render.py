"""A promotion plan and its result, for people: table rows and Markdown (Prefect artifacts,
pull requests). Secret values never appear: the plan holds none."""

from __future__ import annotations

from reconcile.markdown import table
from reconcile.promotion.plan import CHANGING, Action, PromotionPlan
from reconcile.promotion.result import PromotionResult
from reconcile.smoke import honesty
from reconcile.smoke.cases import cases_for
from reconcile.smoke.render import report_markdown

_SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.UNCHANGED: "=",
    Action.BLOCKED: "!",
    Action.RECREATE: "+!",
}


def plan_rows(plan: PromotionPlan) -> list[list[str]]:
    return [
        [
            _SYMBOL[app.action],
            app.name if app.name == app.target_name else f"{app.name} → {app.target_name}",
            app.mode,
            app.action.value,
            app.reason or app.summary,
        ]
        for app in plan.apps
    ]


def plan_markdown(plan: PromotionPlan) -> str:
    lines = [
        "# Dify promotion plan",
        "",
        f"From **{plan.source.label()}** to **{plan.target.label()}**: {plan.summary()}.",
        "",
        f"Checksum `{plan.checksum}`; pending imports: {plan.options.confirm_pending}; "
        f"missing plugins: {plan.options.dependencies}.",
        "",
    ]
    lines += table(["", "app", "mode", "action", "what"], plan_rows(plan))
    smoke = planned_smoke(plan)
    if smoke:
        lines += ["", "## Smoke cases", ""] + [f"- {line}" for line in smoke]
    for app in plan.apps:
        notes = app.breaking + app.attention + app.follow_ups + ([app.live] if app.live else [])
        if not (app.diff_markdown or notes):
            continue
        lines += ["", f"## {app.name} ({app.action.value})", ""]
        if app.live:
            lines += [f"- live: {app.live}"]
        if app.breaking:
            lines += [f"- **breaking:** {item}" for item in app.breaking]
        lines += [f"- needs attention in the target: {item}" for item in app.attention]
        lines += [f"- follow-up after apply: {item}" for item in app.follow_ups]
        if app.diff_markdown:
            lines += ["", app.diff_markdown.rstrip()]
    return "\n".join(lines) + "\n"


def planned_smoke(plan: PromotionPlan) -> list[str]:
    """What the apply's smoke gate will run, app by app, and which version it exercises;
    also the apps with cases that this plan does not promote (a misspelt name?)."""
    if not plan.options.smoke:
        return []
    lines = []
    used: set[str] = set()
    for app in plan.apps:
        cases = cases_for(plan.options.smoke, app.target_name, app.name)
        used |= {app.target_name, app.name}
        if not cases:
            continue
        if app.action not in CHANGING:
            lines.append(f"{app.target_name}: its smoke cases do not run: it is not imported")
            continue
        names = ", ".join(case.name for case in cases)
        note = honesty.in_plan(
            app.mode, new_app=app.action != Action.UPDATE, tests_drafts=plan.target_tests_drafts
        )
        lines.append(
            f"{app.target_name}: {len(cases)} case(s) ({names}); on failure: "
            f"{plan.options.on_smoke_failure}; {note}"
        )
    lines += [
        f"{name}: has smoke cases but is not promoted by this plan"
        for name in sorted(set(plan.options.smoke) - used)
    ]
    return lines


def result_markdown(result: PromotionResult) -> str:
    lines = ["# Dify promotion result", "", f"{result.summary()} (plan `{result.checksum}`)", ""]
    if result.nothing_to_do:
        return "\n".join([*lines, "The plan had been applied already: nothing to do.", ""])
    lines += table(
        ["app", "outcome", "message"],
        [[a.target_name, a.outcome.value, a.message] for a in result.apps],
    )
    follow = [(a.target_name, f) for a in result.apps for f in a.follow_ups]
    if follow:
        lines += ["", "## Follow-ups", ""]
        lines += [f"- {name}: {item}" for name, item in follow]
    reports = [a.smoke for a in result.apps if a.smoke is not None]
    if reports:
        lines += ["", "## Smoke cases", ""]
        for report in reports:
            lines += report_markdown(report)
    return "\n".join(lines).rstrip("\n") + "\n"
