"""Small things a newcomer trips on: an attention line said twice by `dsl diff`, and
`apps import --app X` renaming X to the name inside the DSL."""

from __future__ import annotations

import json

import yaml

from tests.flows.promote_support import DEV_HELPDESK, PROD_HELPDESK, export
from tests.support.emulator import EmulatorHandle


def test_dsl_diff_says_a_changed_knowledge_binding_once(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path
):
    # Prod's helpdesk binds one knowledge base, Dev's two: one binding, changed.
    old, new = tmp_path / "prod.yml", tmp_path / "dev.yml"
    old.write_text(export(emulator, PROD_HELPDESK), encoding="utf-8")
    new.write_text(export(emulator, DEV_HELPDESK), encoding="utf-8")
    result = invoke("dsl", "diff", str(old), str(new))
    assert result.exit_code == 1
    attention = [line for line in result.stdout.splitlines() if "knowledge base binding" in line]
    assert len(attention) == 1, attention
    assert "(dataset_ids, 2)" in attention[0]  # as the new side has it
    as_json = json.loads(invoke("dsl", "diff", str(old), str(new), "--json").stdout)
    assert len(as_json["attention"]) == 1


def _renamed_dsl(emulator: EmulatorHandle, tmp_path) -> str:
    data = yaml.safe_load(export(emulator, DEV_HELPDESK))
    data["app"]["name"] = "Helpdesk From Elsewhere"
    path = tmp_path / "other.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _name(invoke, app_id: str) -> str:
    described = invoke("apps", "describe", app_id, "--json")
    return json.loads(described.stdout)["info"]["name"]


def test_import_over_an_app_keeps_its_name(invoke, signed_in, emulator: EmulatorHandle, tmp_path):
    result = invoke(
        "apps",
        "import",
        _renamed_dsl(emulator, tmp_path),
        "--app",
        "Policy Helpdesk",
        "-w",
        "Acme Prod",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["app_id"] == PROD_HELPDESK
    assert _name(invoke, PROD_HELPDESK) == "Policy Helpdesk"


def test_import_over_an_app_renames_it_when_asked(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path
):
    result = invoke(
        "apps",
        "import",
        _renamed_dsl(emulator, tmp_path),
        "--app",
        PROD_HELPDESK,
        "--name",
        "Policy Desk",
        "-w",
        "Acme Prod",
    )
    assert result.exit_code == 0, result.stderr
    assert _name(invoke, PROD_HELPDESK) == "Policy Desk"
