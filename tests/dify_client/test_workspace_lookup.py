"""One workspace resolver for every layer: id or exact name, a did-you-mean for near misses."""

from __future__ import annotations

import pytest

from dify_client import DifyError, WorkspaceLookupError, find_workspace, find_workspaces
from dify_client.models import Workspace, WorkspaceRef
from dify_client.models.lookup import suggest


def ws(id_: str, name: str) -> Workspace:
    return Workspace(id=id_, name=name, role="owner", status="normal", current=False)


LIVE = [ws("w1", "Acme Dev"), ws("w2", "Acme Prod")]


def test_an_id_or_an_exact_name_finds_the_workspace() -> None:
    assert find_workspace(LIVE, "w2").name == "Acme Prod"
    assert find_workspace(LIVE, "Acme Dev").id == "w1"
    assert find_workspace(LIVE, "w1", by="id").name == "Acme Dev"
    assert find_workspace(LIVE, "Acme Prod", by="name").id == "w2"


def test_by_restricts_what_a_reference_may_match() -> None:
    with pytest.raises(WorkspaceLookupError, match=r"^no workspace named 'w1'$"):
        find_workspace(LIVE, "w1", by="name")
    with pytest.raises(WorkspaceLookupError, match=r"^no workspace with id 'Acme Dev'$"):
        find_workspace(LIVE, "Acme Dev", by="id")


def test_it_works_on_account_workspace_refs_too() -> None:
    refs = [WorkspaceRef(id="w1", name="Acme Dev", role="owner")]
    assert find_workspace(refs, "Acme Dev") is refs[0]


def test_a_miss_names_what_was_asked_and_lists_what_exists() -> None:
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspace(LIVE, "Marketing")
    error = caught.value
    assert isinstance(error, DifyError)
    assert error.message == "no workspace 'Marketing'"
    assert error.hint == "Workspaces this account can see: 'Acme Dev', 'Acme Prod'."
    assert error.asked == ("Marketing",)
    assert error.suggestion is None
    assert not error.ambiguous


@pytest.mark.parametrize(
    ("asked", "meant"),
    [("Acme Prdo", "Acme Prod"), ("acme dve", "Acme Dev")],
)
def test_a_near_miss_is_suggested(asked: str, meant: str) -> None:
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspace(LIVE, asked, by="name")
    assert caught.value.suggestion == meant
    assert caught.value.hint.endswith(f". Did you mean {meant!r}?")


@pytest.mark.parametrize("asked", ["acme prod", "  Acme   PROD ", "ACME PROD"])
def test_a_name_matches_case_and_spacing_aside_when_only_one_does(asked: str) -> None:
    assert find_workspace(LIVE, asked).id == "w2"
    assert find_workspace(LIVE, asked, by="name").id == "w2"
    assert [w.id for w in find_workspaces(LIVE, [asked, "w1"])] == ["w1", "w2"]


def test_a_loose_match_of_several_workspaces_is_no_match() -> None:
    twins = [*LIVE, ws("w3", "ACME PROD")]
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspace(twins, "acme prod")
    assert not caught.value.ambiguous and caught.value.suggestion in ("Acme Prod", "ACME PROD")
    assert find_workspace(twins, "ACME PROD").id == "w3"


def test_ids_match_exactly() -> None:
    with pytest.raises(WorkspaceLookupError):
        find_workspace(LIVE, "W1", by="id")


def test_a_different_workspace_of_the_same_family_is_not_offered() -> None:
    assert suggest(LIVE, "Acme Stage") is None


def test_an_empty_listing_says_none() -> None:
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspace([], "Acme Dev")
    assert caught.value.hint == "Workspaces this account can see: none."


def test_a_shared_name_is_ambiguous_and_lists_the_ids() -> None:
    twins = [*LIVE, ws("w3", "Acme Dev")]
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspace(twins, "Acme Dev")
    assert caught.value.ambiguous
    assert caught.value.ids == ("w1", "w3")
    assert caught.value.message == "more than one workspace is named 'Acme Dev' (w1, w3)"


def test_several_refs_select_in_listing_order_and_a_shared_name_selects_all() -> None:
    twins = [*LIVE, ws("w3", "Acme Dev")]
    assert [w.id for w in find_workspaces(twins, ["w2", "Acme Dev"])] == ["w1", "w2", "w3"]


def test_every_missing_ref_is_reported_at_once() -> None:
    with pytest.raises(WorkspaceLookupError) as caught:
        find_workspaces(LIVE, ["w1", "zz", "acme prdo"])
    assert caught.value.message == "no workspace 'acme prdo', 'zz'"
    assert caught.value.asked == ("acme prdo", "zz")
    assert caught.value.suggestion == "Acme Prod"
