"""The members manifest: what a valid one reads as, and the exact message of each error."""

from __future__ import annotations

import pytest

from dify_client.models import Workspace
from reconcile.errors import ManifestError
from reconcile.members.loader import load_manifest
from reconcile.members.manifest import match_workspace

VALID = """\
version: 1
workspaces:
  - name: Acme Dev
    profile: dev
    host: https://dify.acme.example
    prune: true
    max_removal_ratio: 0.5
    protect: [Ada@Acme.example]
    members:
      - email: Grace@Acme.Example
        role: admin
      - email: alan@acme.example
        role: editor
  - id: d0000000-0000-4000-8000-000000000002
    members: []
"""


def errors_of(text: str) -> str:
    with pytest.raises(ManifestError) as caught:
        load_manifest(text, source="m.yml")
    return caught.value.message


def test_a_valid_manifest_reads_with_defaults_and_lower_cased_emails() -> None:
    manifest = load_manifest(VALID, source="m.yml")
    dev, prod = manifest.workspaces
    assert (dev.name, dev.id, dev.profile, dev.host) == (
        "Acme Dev",
        None,
        "dev",
        "https://dify.acme.example",
    )
    assert (dev.prune, dev.max_removal_ratio, dev.protect) == (True, 0.5, {"ada@acme.example"})
    assert [(m.email, m.role) for m in dev.members] == [
        ("grace@acme.example", "admin"),
        ("alan@acme.example", "editor"),
    ]
    assert str(dev.members[0].at) == "m.yml:10:9"
    assert str(dev.members[0].role_at) == "m.yml:11:15"
    assert dev.member("GRACE@acme.example") is dev.members[0]
    assert (prod.ref, prod.prune, prod.max_removal_ratio, prod.members) == (
        "d0000000-0000-4000-8000-000000000002",
        False,
        0.25,
        (),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "version: 1\nworkspace: []\n",
            "m.yml:1:1: missing key 'workspaces' in the manifest\n"
            "m.yml:2:1: unknown key 'workspace' in the manifest (did you mean 'workspaces'? "
            "expected one of: version, workspaces, promotion)",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "workspaces:\n  - name: A\n    members: []\n",
            "m.yml:1:1: missing key 'version' in the manifest",
            id="missing-version",
        ),
        pytest.param(
            "version: 2\nworkspaces:\n  - name: A\n    members: []\n",
            "m.yml:1:10: unsupported version 2 (this difyops reads version 1)",
            id="wrong-version",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    prune: yes\n    owner: x\n    members: []\n",
            "m.yml:4:12: `prune` must be true or false\n"
            "m.yml:5:5: unknown key 'owner' in a workspace (expected one of: id, name, "
            "profile, host, prune, max_removal_ratio, protect, members)",
            id="unknown-workspace-key-and-bad-flag",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    id: x\n    members: []\n",
            "m.yml:3:5: a workspace needs exactly one of `id` or `name` (not both)",
            id="id-and-name",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - members: []\n",
            "m.yml:3:5: a workspace needs exactly one of `id` or `name`",
            id="neither-id-nor-name",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n",
            "m.yml:3:5: missing key 'members' in a workspace",
            id="missing-members",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    max_removal_ratio: 2\n    members: []\n",
            "m.yml:4:24: `max_removal_ratio` must be a number from 0 to 1, got 2",
            id="ratio-out-of-range",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members:\n"
            "      - email: ada@acme.example\n        role: admin\n"
            "      - email: ADA@acme.example\n        role: normal\n",
            "m.yml:7:9: duplicate email 'ada@acme.example' (first at line 5; emails compare "
            "case-insensitively)",
            id="duplicate-email-any-case",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members:\n"
            "      - email: not-an-email\n        role: admin\n",
            "m.yml:5:16: invalid email 'not-an-email'",
            id="invalid-email",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members:\n"
            "      - email: ada@acme.example\n        role: superuser\n",
            "m.yml:6:15: unknown role 'superuser' (expected one of: normal, admin, owner, "
            "editor, dataset_operator)",
            id="unknown-role",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members:\n"
            "      - email: ada@acme.example\n        role: admin\n        name: Ada\n",
            "m.yml:7:9: unknown key 'name' in a member (expected one of: email, role)",
            id="unknown-member-key",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members:\n      - email: a@b.example\n",
            "m.yml:5:9: missing key 'role' in a member",
            id="missing-role",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    protect: [x@y.example, X@y.example]\n"
            "    members: []\n",
            "m.yml:4:28: duplicate email 'X@y.example' in `protect` (first at line 4)",
            id="duplicate-protect",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members: []\n  - name: A\n    members: []\n",
            "m.yml:5:11: workspace 'A' is listed twice (first at line 3)",
            id="duplicate-workspace",
        ),
        pytest.param(
            "version: 1\nworkspaces:\n  - name: A\n    members: [\n",
            "m.yml:5:1: invalid YAML: while parsing a flow node, did not find expected node "
            "content",
            id="yaml-syntax",
        ),
        pytest.param(
            "- just a list\n",
            "m.yml:1:1: a members manifest must be a mapping with `version` and `workspaces`",
            id="not-a-mapping",
        ),
    ],
)
def test_each_error_is_reported_at_its_place(text: str, message: str) -> None:
    assert errors_of(text) == message


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    text = (
        "version: 1\nworkspaces:\n  - name: A\n    members:\n"
        "      - email: bad\n        role: chief\n"
        "      - email: ok@acme.example\n        role: admin\n        extra: 1\n"
    )
    assert errors_of(text).splitlines() == [
        "m.yml:5:16: invalid email 'bad'",
        "m.yml:6:15: unknown role 'chief' (expected one of: normal, admin, owner, editor, "
        "dataset_operator)",
        "m.yml:9:9: unknown key 'extra' in a member (expected one of: email, role)",
    ]


LIVE = [
    Workspace(id="w1", name="Acme Dev", role="owner", status="normal", current=True),
    Workspace(id="w2", name="Acme Prod", role="owner", status="normal", current=False),
]


def test_unknown_workspaces_are_reported_at_the_manifest_line() -> None:
    manifest = load_manifest(
        "version: 1\nworkspaces:\n  - name: Acme Stage\n    members: []\n"
        "  - id: w2\n    members: []\n",
        source="m.yml",
    )
    stage, prod = manifest.workspaces
    assert match_workspace(prod, LIVE).name == "Acme Prod"
    with pytest.raises(ManifestError) as caught:
        match_workspace(stage, LIVE)
    assert caught.value.message == (
        "m.yml:3:11: unknown workspace: no workspace named 'Acme Stage' among those this "
        "account can see"
    )
    assert caught.value.hint == "Workspaces this account can see: 'Acme Dev', 'Acme Prod'."


def test_an_ambiguous_name_asks_for_the_id() -> None:
    twins = [
        *LIVE,
        Workspace(id="w3", name="Acme Dev", role="admin", status="normal", current=False),
    ]
    entry = load_manifest(
        "version: 1\nworkspaces:\n  - name: Acme Dev\n    members: []\n", source="m.yml"
    ).workspaces[0]
    with pytest.raises(ManifestError, match=r"m.yml:3:11: more than one workspace is named"):
        match_workspace(entry, twins)
