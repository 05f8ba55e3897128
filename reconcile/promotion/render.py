"""A promotion plan and its result, for people: table rows and Markdown (Prefect artifacts,
pull requests). Secret values never appear: the plan holds none."""

from __future__ import annotations

from reconcile.markdown import table
from reconcile.promotion.plan import Action, PromotionPlan
from reconcile.promotion.result import PromotionResult

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
    for app in plan.apps:
        notes = app.breaking + app.attention + app.follow_ups
        if not (app.diff_markdown or notes):
            continue
        lines += ["", f"## {app.name} ({app.action.value})", ""]
        if app.breaking:
            lines += [f"- **breaking:** {item}" for item in app.breaking]
        lines += [f"- needs attention in the target: {item}" for item in app.attention]
        lines += [f"- follow-up after apply: {item}" for item in app.follow_ups]
        if app.diff_markdown:
            lines += ["", app.diff_markdown.rstrip()]
    return "\n".join(lines) + "\n"


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
    return "\n".join(lines) + "\n"
