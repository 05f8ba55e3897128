"""`dsl check` warns about plain-text environment variables named like secrets (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dsl import check_file

WORKFLOW = Path(__file__).parent / "fixtures" / "workflow_app.yml"
VALUE = "k8Tq2vLm9XwP"


def with_variable(tmp_path: Path, **variable: str) -> Path:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["workflow"]["environment_variables"].append(
        {"id": "e9", "description": "", "selector": ["env", variable["name"]], **variable}
    )
    path = tmp_path / "app.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["SERVICE_TOKEN", "DB_PASSWORD", "openai_api_key", "apiSecret"])
def test_a_plain_string_named_like_a_secret_is_a_warning(tmp_path: Path, name: str) -> None:
    report = check_file(with_variable(tmp_path, name=name, value=VALUE, value_type="string"))
    warnings = [p for p in report.problems if p.code == "secret-name"]
    assert len(warnings) == 1
    assert name in warnings[0].message and "value_type: secret" in warnings[0].message
    assert VALUE not in warnings[0].message
    assert warnings[0].line > 1  # points at the variable in the file


@pytest.mark.parametrize(
    "variable",
    [
        {"name": "SERVICE_TOKEN", "value": "", "value_type": "string"},
        {"name": "SERVICE_TOKEN", "value": "YOUR_TOKEN_HERE", "value_type": "string"},
        {"name": "TOKENIZER_MODEL", "value": "cl100k_base", "value_type": "string"},
        {"name": "SERVICE_URL", "value": "https://notes.example.com", "value_type": "string"},
    ],
)
def test_no_warning_without_a_value_or_a_secret_like_name(tmp_path: Path, variable) -> None:
    report = check_file(with_variable(tmp_path, **variable))
    assert not [p for p in report.problems if p.code == "secret-name"]
