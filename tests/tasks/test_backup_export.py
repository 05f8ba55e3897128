"""What `prepare` stores of an export: the text as Dify sent it, unless it holds
credentials, which are redacted and reported by location, never by value."""

from __future__ import annotations

from reconcile.backup.files import PreparedExport
from tasks.backup.export import prepare

SECRET = "tk-live-7Qm2Vx9LpA4sR8zzQ"


def dsl(name: str) -> str:
    """An export as Dify writes it (canonical text)."""
    return (
        "app:\n"
        "  description: ''\n"
        "  mode: workflow\n"
        f"  name: {name}\n"
        "kind: app\n"
        "version: 0.3.0\n"
        "workflow:\n"
        "  graph:\n"
        "    edges: []\n"
        "    nodes:\n"
        "    - data:\n"
        "        title: Start\n"
        "        type: start\n"
        "      id: start\n"
    )


UNUSUAL_BUT_VALID = (
    "# exported by a Dify that writes comments\n"
    "kind: app\n"
    "version: '0.3.0'\n"
    'app: {name: "Résumé bot", mode: workflow, description: "multi\\nline"}\n'
    "workflow:\n"
    "    graph:\n"
    "        nodes: []\n"
    "        edges: []\n"
    "extra_key:   value   # trailing comment\n"
)


def test_prepare_keeps_an_export_byte_for_byte() -> None:
    prepared = prepare(UNUSUAL_BUT_VALID, redact_it=True)
    assert prepared == PreparedExport(UNUSUAL_BUT_VALID, "0.3.0")
    assert prepare(dsl("Alpha"), redact_it=True).text == dsl("Alpha")


def test_prepare_only_adds_a_missing_final_newline() -> None:
    assert prepare(UNUSUAL_BUT_VALID.rstrip("\n"), redact_it=True).text == UNUSUAL_BUT_VALID


def with_credentials(name: str = "Keys") -> str:
    return (
        "app:\n"
        "  mode: workflow\n"
        f"  name: {name}\n"
        "kind: app\n"
        "version: 0.3.0\n"
        "workflow:\n"
        "  environment_variables:\n"
        "  - id: e1\n"
        "    name: TICKETING_API_KEY\n"
        "    selector: [env, TICKETING_API_KEY]\n"
        f"    value: {SECRET}\n"
        "    value_type: secret\n"
        "  graph:\n"
        "    edges: []\n"
        "    nodes:\n"
        "    - id: call\n"
        "      data:\n"
        "        type: http-request\n"
        "        title: Call\n"
        "        url: https://api.example.test/v1?api_key=Zx81Qw77Lm22Rt00Yy\n"
    )


def test_prepare_redacts_credential_looking_values() -> None:
    prepared = prepare(with_credentials(), redact_it=True)
    assert prepared.redacted is True
    assert SECRET not in prepared.text and "Zx81Qw77Lm22Rt00Yy" not in prepared.text
    assert "    value: <redacted>\n" in prepared.text
    assert "api_key=<redacted>" in prepared.text
    assert prepared.findings == [
        "workflow.environment_variables[0].value: secret environment variable "
        "'TICKETING_API_KEY' has a value (exported with secrets included)",
        'workflow.graph.nodes[0].data.url (node "Call"): credential in a URL query string',
    ]
    assert prepared.dsl_version == "0.3.0"


def test_prepare_without_redaction_stores_the_export_as_is_but_says_what_it_holds() -> None:
    prepared = prepare(with_credentials(), redact_it=False)
    assert (prepared.text, prepared.redacted) == (with_credentials(), False)
    # An exempt app is still reported, so nobody commits a credential without being told.
    assert prepared.findings == prepare(with_credentials(), redact_it=True).findings != []
