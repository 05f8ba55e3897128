"""How the CLI spells the actions and overrides that lower layers name by key.

The client and the planners say "sign in again" or name the override `allow_no_admin`;
a CLI user needs the command to run and the flag to pass, so the error boundary words
them here, once.
"""

from __future__ import annotations

from dify_client.remedies import Remedy, Step
from reconcile.errors import Override, Setting

FLAGS: dict[Override, str] = {
    Override.ALLOW_NO_ADMIN: "--allow-no-admin",
    Override.MAX_REMOVAL_RATIO: "--max-removal-ratio",
    Override.SKIP_UNTOUCHABLE: "--skip-untouchable",
    Override.MAX_INVITES: "--max-invites",
    Override.MAP: "--map",
}


def command(step: Step) -> str:
    """The command line that takes the step."""
    if step.remedy is Remedy.LIST_PROFILES:
        return "difyops auth status"
    if step.remedy is Remedy.SIGN_IN:
        return "difyops auth login"
    if step.remedy is Remedy.SIGN_IN_FIRST:
        return "difyops auth login --host URL"
    if step.host:  # the profile exists: `login` reuses its host
        return f"difyops auth login -p {step.profile}"
    return f"difyops auth login --host URL --profile {step.profile}"


def cli_step(step: Step) -> str:
    return f"{step.text} with `{command(step)}`"


def cli_setting(setting: Setting) -> str:
    flag = FLAGS[setting.override]
    return flag if setting.value is None else f"{flag} {setting.value}"
