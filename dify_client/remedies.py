"""Hints that point to an action the reader takes, spelled by whoever shows them.

The client serves the CLI and Prefect flows, and each offers its own way to act (a
command to run; a deployment's profile or environment). So a hint names the action by a
key in a `Step`, with the action in neutral words; the front end may spell it its own way
(`difyops._spelling` for the CLI, `flows.wording` for Prefect). Read as it is, through
`say(prose)`, a hint names no front end's commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Remedy(StrEnum):
    """An action a hint may point to."""

    SIGN_IN = "sign_in"  # again, to the server already chosen
    SIGN_IN_FIRST = "sign_in_first"  # for the first time: the server's URL is needed
    SIGN_IN_PROFILE = "sign_in_profile"  # as `profile`, to `host` when known
    LIST_PROFILES = "list_profiles"


@dataclass(frozen=True)
class Step:
    """One action inside a hint: its key, its data, and the action in neutral words."""

    remedy: Remedy
    text: str
    host: str | None = None
    profile: str | None = None


Prose = tuple[str | Step, ...]
StepSpeller = Callable[[Step], str]


def neutral(step: Step) -> str:
    return step.text


def say(prose: Prose, speller: StepSpeller = neutral) -> str:
    """The hint as text, each step spelled by `speller` (neutral words by default)."""
    return "".join(part if isinstance(part, str) else speller(part) for part in prose)


def remedies(prose: Prose | None) -> tuple[Remedy, ...]:
    """The actions a hint points to, in order."""
    return tuple(part.remedy for part in prose or () if isinstance(part, Step))
