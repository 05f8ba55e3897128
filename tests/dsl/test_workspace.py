"""Workspace-bound references: listed for the target, masked for comparison."""

from __future__ import annotations

from dsl import WORKSPACE_BOUND_MARKER, DslDocument, normalize, workspace_bound_refs
from tests.dsl.conftest import GOLDEN_DIR, load_yaml_file


def test_every_kind_is_listed_with_what_to_do() -> None:
    data = load_yaml_file(GOLDEN_DIR / "rules" / "mask_workspace_bound" / "before.yml")
    refs = workspace_bound_refs(data)
    assert [(ref.kind, ref.node_title) for ref in refs] == [
        ("dataset_ids", "Docs"),
        ("credential_id", "Search"),
        ("workflow_tool", "Search"),
        ("webhook_url", "Webhook"),
        ("subscription_id", "On new issue"),
        ("credential_id", None),
        ("dataset_ids", None),
    ]
    assert str(refs[0]) == (
        'node "Docs": knowledge base binding (dataset_ids, 2) will not carry over to another '
        "workspace; rebind the knowledge bases in the target"
    )
    assert refs[0].to_json()["path"] == "workflow.graph.nodes[0].data.dataset_ids"


def test_refs_survive_normalisation(workflow_doc: DslDocument) -> None:
    normalised = normalize(workflow_doc)
    assert [r.kind for r in workspace_bound_refs(normalised)] == ["dataset_ids"]
    assert WORKSPACE_BOUND_MARKER in repr(normalised)


def test_exported_blank_values_are_not_masked() -> None:
    data = {
        "workflow": {
            "graph": {
                "nodes": [
                    {
                        "id": "hook",
                        "data": {"type": "trigger-webhook", "title": "Hook", "webhook_url": ""},
                    },
                    {"id": "t", "data": {"type": "tool", "title": "T", "credential_id": None}},
                ]
            }
        }
    }
    refs = workspace_bound_refs(data)
    assert [ref.kind for ref in refs] == ["webhook_url"], "the URL changes in the target anyway"
    assert normalize(data)["workflow"]["graph"]["nodes"][0]["data"]["webhook_url"] == ""
