"""Examples shown at the end of every command's help, written for the demo seed
(`make demo`, or `difyops emulator serve --seed demo`): its workspaces "Acme Dev" and
"Acme Prod", its apps and its members. tests/cli/test_help_cli.py checks that every
command has some, that each parses as a command line of that command, and that each is
shown whole at 80 columns. (`emulator serve` passes its arguments on to the emulator,
whose own help lists its examples.)
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "restore": (
        'difyops restore "Policy Helpdesk" --to "Acme Dev" --at HEAD \\',
        "    --repo backup --path 127.0.0.1_5001/acme-dev",
        'difyops restore "Policy Helpdesk" --to "Acme Dev" --at HEAD~1 \\',
        "    --repo backup --path 127.0.0.1_5001/acme-dev --apply",
    ),
    "drift": (
        'difyops drift -w "Acme Prod" --desired "Acme Dev"',
        'difyops drift -w "Acme Dev" --desired git:HEAD:127.0.0.1_5001/acme-dev \\',
        "    --repo backup --markdown",
    ),
    "auth login": (
        "difyops auth login --host http://127.0.0.1:5001",
        "difyops auth login --host https://dify.example.com -p prod --no-browser",
    ),
    "auth logout": ("difyops auth logout", "difyops auth logout -p prod"),
    "auth status": ("difyops auth status", "difyops auth status -p prod --json"),
    "auth use": ("difyops auth use prod",),
    "sessions list": ("difyops sessions list", "difyops sessions list --json"),
    "sessions revoke": ("difyops sessions revoke --all-others",),
    "workspaces list": ("difyops workspaces list",),
    "workspaces show": ('difyops workspaces show "Acme Prod"',),
    "workspaces switch": ('difyops workspaces switch "Acme Prod"',),
    "members list": ('difyops members list -w "Acme Dev"',),
    "members plan": (
        "difyops members plan -f examples/members.yml",
        "difyops members plan -f examples/members.yml --out plan.json",
    ),
    "members apply": (
        "difyops members apply --plan plan.json",
        "difyops members apply -f examples/members.yml --invite-urls invites.tsv",
    ),
    "members export": ('difyops members export -w "Acme Dev" -o members.yml',),
    "apps list": ('difyops apps list -w "Acme Dev"', "difyops apps list -A --mode workflow"),
    "apps describe": ('difyops apps describe "Support Ticket Triage" -w "Acme Dev"',),
    "apps export": ('difyops apps export "Support Ticket Triage" -w "Acme Dev" -o triage.yml',),
    "apps import": (
        'difyops apps import triage.yml -w "Acme Prod" --name "Triage copy"',
        'difyops apps import triage.yml -w "Acme Prod" --app "Support Ticket Triage"',
    ),
    "apps run": (
        'difyops apps run "Support Ticket Triage" -w "Acme Dev" \\',
        '    -i subject="Printer on fire" -i body="Smoke on floor 2"',
        'difyops apps run "Policy Helpdesk" -w "Acme Dev" -q "How many leave days?"',
    ),
    "apps events": ('difyops apps events "Support Ticket Triage" RUN_ID -w "Acme Dev"',),
    "apps stop": ('difyops apps stop "Support Ticket Triage" TASK_ID -w "Acme Dev"',),
    "apps upload": ('difyops apps upload "Support Ticket Triage" notes.pdf -w "Acme Dev"',),
    "apps versions": ('difyops apps versions "Support Ticket Triage" -w "Acme Dev"',),
    "apps publish": ('difyops apps publish "Support Ticket Triage" -w "Acme Dev" --name v2',),
    "apps form show": ('difyops apps form show "Support Ticket Triage" TOKEN -w "Acme Dev"',),
    "apps form submit": (
        'difyops apps form submit "Support Ticket Triage" TOKEN -w "Acme Dev" \\',
        "    --action approve -i comment=ok",
    ),
    "dsl diff": (
        "difyops dsl diff old.yml new.yml",
        'difyops dsl diff "app:Support Ticket Triage" triage.yml -w "Acme Dev"',
    ),
    "dsl check": ("difyops dsl check triage.yml",),
    "backup run": (
        "difyops backup run --repo backup",
        'difyops backup run --repo backup -w "Acme Dev" --full',
    ),
    "backup status": ("difyops backup status --repo backup",),
    "backup log": ('difyops backup log "Policy Helpdesk" -w "Acme Dev" --repo backup',),
    "promote plan": (
        'difyops promote plan --from "Acme Dev" --to "Acme Prod" --out plan.json',
        'difyops promote plan --from "Acme Dev" --to "Acme Prod" --app "Support*"',
    ),
    "promote apply": ("difyops promote apply --plan plan.json",),
    "smoke run": ('difyops smoke run --smoke examples/smoke.yml -w "Acme Prod"',),
}


def epilog(path: str) -> str | None:
    """The help's "Examples:" section of the command `path` ("members plan")."""
    lines = EXAMPLES.get(path)
    if not lines:
        return None
    return "**Examples:**\n\n```\n" + "\n".join(lines) + "\n```"
