"""Finding a workspace by id or exact name in a listing, with a "did you mean" for near misses.

Pure (no I/O), so every layer may use it: the CLI's `--workspace`, backup sources, promotion
sides and the members manifest all resolve a reference through here. It works on anything
with an `id` and a `name` (`Workspace`, `WorkspaceRef`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, TypeVar

from dify_client._errors import WorkspaceLookupError

__all__ = [
    "MatchBy",
    "Named",
    "WorkspaceLookupError",
    "find_workspace",
    "find_workspaces",
    "loose_name",
    "near_name",
    "suggest",
]

MatchBy = Literal["id", "name", "id_or_name"]

# Loose enough for a typo or a dropped letter ("Acme Prdo"), strict enough that a
# different workspace of the same family ("Acme Stage" for "Acme Dev") is not offered.
_CUTOFF = 0.75


class Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


W = TypeVar("W", bound=Named)


def find_workspace(workspaces: Sequence[W], ref: str, *, by: MatchBy = "id_or_name") -> W:
    """The one workspace `ref` names; `WorkspaceLookupError` when none or several do.

    A name matches exactly, or else case and spacing aside when only one workspace
    answers to it that way ("acme prod" for "Acme Prod"); ids match exactly."""
    found = [w for w in workspaces if _matches(w, ref, by)] or _loosely(workspaces, ref, by)
    if len(found) == 1:
        return found[0]
    if found:
        ids = tuple(w.id for w in found)
        raise WorkspaceLookupError(
            f"more than one workspace is named {ref!r} ({', '.join(ids)})",
            hint="Pass the id instead.",
            asked=(ref,),
            visible=_visible(workspaces),
            ids=ids,
        )
    raise _not_found(workspaces, [ref], by)


def find_workspaces(workspaces: Sequence[W], refs: Iterable[str]) -> list[W]:
    """Every workspace any of `refs` names by id or exact name, in listing order.

    A name several workspaces share selects them all; refs that match nothing are all
    reported in one `WorkspaceLookupError`.
    """
    wanted = set(refs)
    exact = {w.id for w in workspaces} | {w.name for w in workspaces}
    loose = {r: found[0].name for r in wanted - exact if len(found := _loosely(workspaces, r))}
    wanted = (wanted - set(loose)) | set(loose.values())
    chosen = [w for w in workspaces if w.id in wanted or w.name in wanted]
    missing = wanted - {w.id for w in chosen} - {w.name for w in chosen}
    if missing:
        raise _not_found(workspaces, sorted(missing), "id_or_name")
    return chosen


def _matches(workspace: Named, ref: str, by: MatchBy) -> bool:
    if by == "id":
        return workspace.id == ref
    if by == "name":
        return workspace.name == ref
    return ref in (workspace.id, workspace.name)


def _loosely(workspaces: Sequence[W], ref: str, by: MatchBy = "id_or_name") -> list[W]:
    """The one workspace whose name is `ref` case and spacing aside, or none when no
    workspace or several are."""
    if by == "id":
        return []
    found = [w for w in workspaces if _fold(w.name) == _fold(ref)]
    return found if len(found) == 1 else []


def _not_found(workspaces: Sequence[Named], refs: list[str], by: MatchBy) -> WorkspaceLookupError:
    asked = ", ".join(repr(r) for r in refs)
    what = {"id": "with id ", "name": "named ", "id_or_name": ""}[by]
    suggestion = next((s for r in refs if (s := suggest(workspaces, r, by))), None)
    visible = _visible(workspaces)
    hint = f"Workspaces this account can see: {visible}."
    if suggestion:
        hint += f" Did you mean {suggestion!r}?"
    return WorkspaceLookupError(
        f"no workspace {what}{asked}",
        hint=hint,
        asked=tuple(refs),
        visible=visible,
        suggestion=suggestion,
    )


def suggest(workspaces: Sequence[Named], ref: str, by: MatchBy = "id_or_name") -> str | None:
    """The id or name closest to `ref` (case and spacing aside), or None when none is close."""
    candidates = [
        value
        for w in workspaces
        for value in ((w.id,) if by == "id" else (w.name,) if by == "name" else (w.id, w.name))
    ]
    folded = {_fold(c): c for c in reversed(candidates)}
    if _fold(ref) in folded:
        return folded[_fold(ref)]
    close = difflib.get_close_matches(_fold(ref), list(folded), n=1, cutoff=_CUTOFF)
    return folded[close[0]] if close else None


def near_name(names: Iterable[str], ref: str) -> str | None:
    """The name closest to `ref` (case and spacing aside), or None when none is close:
    the "did you mean" for apps, profiles and manifest keys, as `suggest` for workspaces."""
    folded = {_fold(n): n for n in reversed(list(names))}
    if _fold(ref) in folded:
        return folded[_fold(ref)]
    close = difflib.get_close_matches(_fold(ref), list(folded), n=1, cutoff=_CUTOFF)
    return folded[close[0]] if close else None


def loose_name(names: Iterable[str], ref: str) -> str | None:
    """The one name that is `ref` case and spacing aside; None when none or several are."""
    found = {n for n in names if _fold(n) == _fold(ref)}
    return found.pop() if len(found) == 1 else None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _visible(workspaces: Sequence[Named]) -> str:
    return ", ".join(repr(w.name) for w in workspaces) or "none"
