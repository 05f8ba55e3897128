"""Refusals of the planners, each saying which parameter overrides it.

Plans are made for the CLI and for Prefect flows, which spell a parameter differently
(`--allow-no-admin`; the flow parameter `allow_no_admin=true`). So a refusal names an
override by its key in a `Setting`, and the front end spells it (`difyops._spelling`,
`flows.wording`); `str(exc)` and `.hint` spell it neutrally, as the key itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Override(StrEnum):
    """A parameter that overrides a refusal: a planner option (`map`: the selection's mapping)."""

    ALLOW_NO_ADMIN = "allow_no_admin"
    MAX_REMOVAL_RATIO = "max_removal_ratio"
    SKIP_UNTOUCHABLE = "skip_untouchable"
    MAX_INVITES = "max_invites"
    MAP = "map"


@dataclass(frozen=True)
class Setting:
    """An override named inside a sentence, with the value to give it when there is one."""

    override: Override
    value: str | None = None


Words = tuple[str | Setting, ...]
SettingSpeller = Callable[[Setting], str]


def neutral(setting: Setting) -> str:
    key = str(setting.override)
    return key if setting.value is None else f"{key}={setting.value}"


def spell(words: str | Words, speller: SettingSpeller = neutral) -> str:
    """The text, each setting spelled by `speller` (the key itself by default)."""
    if isinstance(words, str):
        return words
    return "".join(part if isinstance(part, str) else speller(part) for part in words)


def join(separator: str, texts: Iterable[Words]) -> Words:
    """`separator.join` for words."""
    joined: list[str | Setting] = []
    for text in texts:
        joined += [separator, *text] if joined else text
    return tuple(joined)


def overrides_in(*texts: str | Words | None) -> tuple[Override, ...]:
    """The overrides the texts name, each once, in order."""
    found = [
        p.override
        for t in texts
        if t and not isinstance(t, str)
        for p in t
        if isinstance(p, Setting)
    ]
    return tuple(dict.fromkeys(found))


class PlanError(Exception):
    """A plan that cannot be made or applied, with a hint on what to do.

    `message` and `hint` may be `Words` naming overrides: `overrides` lists their keys,
    and `spelled(speller)` words message and hint for a front end.
    """

    def __init__(self, message: str | Words, *, hint: str | Words | None = None) -> None:
        super().__init__(spell(message))
        self.words = message
        self.hint_words = hint
        self.message = spell(message)
        self.hint = None if hint is None else spell(hint)
        self.overrides = overrides_in(message, hint)

    def __str__(self) -> str:
        return self.message

    def spelled(self, speller: SettingSpeller) -> tuple[str, str | None]:
        """(message, hint) with each override spelled by `speller`."""
        hint = None if self.hint_words is None else spell(self.hint_words, speller)
        return spell(self.words, speller), hint


class UnsafePlanError(PlanError):
    """A guard refused the plan (owner, acting account, removal ratio, last admin…)."""


class StalePlanError(PlanError):
    """The live state changed since the plan was reviewed: its checksum no longer matches."""


class ManifestError(PlanError):
    """A manifest that does not validate; the message starts with file:line:column."""


class UnknownPlanError(PlanError):
    """The reviewed checksum is not that of any plan made for these inputs (a typo, or a
    checksum copied from another job's plan): nothing says what moved, because nothing did."""
