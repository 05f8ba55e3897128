"""Files exported with and without secrets, stored stably across runs of both kinds. Pure.

An export with secrets (the explicit opt-in) carries the values of secret environment
variables (redacted to `<redacted>` before commit unless the app is exempt) and the
`credential_id`s of tool and agent nodes; an export without them has `''` for those
values and no `credential_id`. Alternating the two would rewrite every such file on every
run. The rule:

- an export with secrets always replaces a stored file that differs (the switch to the
  richer file is committed once, as a change);
- a run without secrets keeps the stored file when its export differs from it only in
  that secret material, and the stored file holds no credential this run's own export
  would not commit: so a default run never keeps (or writes) a secret value it did not
  get itself, and anything else that changed is stored as exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dsl import DslError, find_secrets, load_text
from dsl.graph import ENVIRONMENT_PATH

_CREDENTIAL_REFERENCE = "credential_id"


def keeps_stored_file(
    stored_text: str | None,
    exported_text: str,
    *,
    with_secrets: bool,
    committed_findings: Sequence[str],
) -> bool:
    """Whether a run keeps `stored_text` instead of `exported_text` (see the module).

    `committed_findings`: the credentials this run's export would commit as they are
    (an exempt app's; empty when the export was redacted).
    """
    if with_secrets or stored_text is None or stored_text == exported_text:
        return False
    try:
        stored = load_text(stored_text, source="stored file").data
        exported = load_text(exported_text, source="export").data
    except DslError:
        return False
    if _without_secret_material(stored) != _without_secret_material(exported):
        return False
    return {str(f) for f in find_secrets(stored)} <= set(committed_findings)


def _without_secret_material(data: Any) -> Any:
    """The document as an export without secrets would have it."""
    stripped = _drop_credential_references(data)
    variables: Any = stripped
    for key in ENVIRONMENT_PATH:
        variables = variables.get(key) if isinstance(variables, dict) else None
    for variable in variables if isinstance(variables, list) else []:
        if isinstance(variable, dict) and variable.get("value_type") == "secret":
            variable["value"] = ""
    return stripped


def _drop_credential_references(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _drop_credential_references(item)
            for key, item in value.items()
            if key != _CREDENTIAL_REFERENCE
        }
    if isinstance(value, list):
        return [_drop_credential_references(item) for item in value]
    return value
