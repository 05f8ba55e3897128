"""`GET /apps/{id}/describe` projections: info, Service-API parameters, input JSON Schema.

`parameters` mirrors Dify's `get_parameters_from_feature_dict` (the Service API
`/parameters` body) and `input_schema` mirrors `_input_schema.build_input_schema`
(contract §2.3). When the app's configuration is unusable (no draft workflow, no model
config, a mode without either) both fall back to Dify's reduced shapes.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.common import CHAT_FAMILY, MODEL_CONFIG_MODES, WORKFLOW_MODES
from emulator.clock import iso_naive
from emulator.store.rows import AppRow, WorkflowRow

JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"

EMPTY_PARAMETERS: dict[str, Any] = {
    "opening_statement": None,
    "suggested_questions": [],
    "user_input_form": [],
    "file_upload": None,
    "system_parameters": {},
}

# Dify's default upload limits (UPLOAD_*_FILE_SIZE_LIMIT in MB, WORKFLOW_FILE_UPLOAD_LIMIT).
SYSTEM_PARAMETERS: dict[str, int] = {
    "image_file_size_limit": 10,
    "video_file_size_limit": 100,
    "audio_file_size_limit": 50,
    "file_size_limit": 15,
    "workflow_file_upload_limit": 10,
}

DESCRIBE_FIELDS = ("info", "parameters", "input_schema")


class ConfigUnavailable(Exception):
    """The app has no usable configuration (Dify's AppUnavailableError)."""


def info_block(app: AppRow) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "mode": app.mode,
        "updated_at": iso_naive(app.updated_at),
        "service_api_enabled": app.enable_api,
        "is_agent": app.mode in ("agent-chat", "advanced-chat"),
    }


def resolve_config(
    app: AppRow, draft: WorkflowRow | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(features, user_input_form) as Dify resolves them for the Service API."""
    if app.mode in WORKFLOW_MODES:
        if draft is None:
            raise ConfigUnavailable()
        return draft.features, start_variables_as_form(draft.graph)
    if app.mode in MODEL_CONFIG_MODES:
        model_config = app.config.get("model_config")
        if not isinstance(model_config, dict):
            raise ConfigUnavailable()
        form = model_config.get("user_input_form") or []
        return model_config, [row for row in form if isinstance(row, dict)]
    raise ConfigUnavailable()


def start_variables_as_form(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """`Workflow.user_input_form(to_old_structure=True)`: `[{type: variable}, ...]`."""
    for node in graph.get("nodes") or []:
        data = node.get("data") if isinstance(node, dict) else None
        if isinstance(data, dict) and data.get("type") == "start":
            variables = data.get("variables") or []
            return [
                {str(v.get("type")): v} for v in variables if isinstance(v, dict) and v.get("type")
            ]
    return []


def parameters_block(features: dict[str, Any], form: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "opening_statement": features.get("opening_statement"),
        "suggested_questions": features.get("suggested_questions", []),
        "suggested_questions_after_answer": features.get(
            "suggested_questions_after_answer", {"enabled": False}
        ),
        "speech_to_text": features.get("speech_to_text", {"enabled": False}),
        "text_to_speech": features.get("text_to_speech", {"enabled": False}),
        "retriever_resource": features.get("retriever_resource", {"enabled": False}),
        "annotation_reply": features.get("annotation_reply", {"enabled": False}),
        "more_like_this": features.get("more_like_this", {"enabled": False}),
        "user_input_form": form,
        "sensitive_word_avoidance": features.get(
            "sensitive_word_avoidance", {"enabled": False, "type": "", "configs": []}
        ),
        "file_upload": features.get(
            "file_upload",
            {
                "image": {
                    "enabled": False,
                    "number_limits": 3,
                    "detail": "high",
                    "transfer_methods": ["remote_url", "local_file"],
                }
            },
        ),
        "system_parameters": dict(SYSTEM_PARAMETERS),
    }


def _file_object_shape() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "transfer_method": {"type": "string"},
            "url": {"type": "string"},
            "upload_file_id": {"type": "string"},
        },
        "additionalProperties": True,
    }


def _row_schema(row_type: str, row: dict[str, Any]) -> dict[str, Any] | None:
    label = row.get("label") or row.get("variable", "")
    base: dict[str, Any] = {"title": label} if label else {}
    if row_type in ("text-input", "paragraph"):
        schema: dict[str, Any] = {"type": "string", **base}
        max_length = row.get("max_length")
        if isinstance(max_length, int) and not isinstance(max_length, bool) and max_length > 0:
            schema["maxLength"] = max_length
        return schema
    if row_type == "select":
        return {"type": "string", **base, "enum": list(row.get("options") or [])}
    if row_type == "number":
        return {"type": "number", **base}
    if row_type == "file":
        return {**_file_object_shape(), **base}
    if row_type == "file-list":
        return {"type": "array", "items": _file_object_shape(), **base}
    return None  # unknown row types are skipped (forward compatibility)


def input_schema_block(mode: str, form: list[dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for row in form:
        if not isinstance(row, dict) or len(row) != 1:
            continue
        ((row_type, body),) = row.items()
        if not isinstance(body, dict) or not body.get("variable"):
            continue
        schema = _row_schema(str(row_type), body)
        if schema is None:
            continue
        properties[str(body["variable"])] = schema
        if body.get("required"):
            required.append(str(body["variable"]))

    top: dict[str, Any] = {}
    top_required: list[str] = []
    if mode in CHAT_FAMILY:
        top["query"] = {"type": "string", "minLength": 1}
        top_required.append("query")
    top["inputs"] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    top_required.append("inputs")
    return {
        "$schema": JSON_SCHEMA_DRAFT,
        "type": "object",
        "properties": top,
        "required": top_required,
    }


def empty_input_schema() -> dict[str, Any]:
    return {"$schema": JSON_SCHEMA_DRAFT, "type": "object", "properties": {}, "required": []}


def describe(
    app: AppRow, draft: WorkflowRow | None, fields: frozenset[str] | None
) -> dict[str, Any]:
    """All three keys are always present; unrequested blocks are null."""
    wanted = fields if fields else frozenset(DESCRIBE_FIELDS)
    try:
        features, form = resolve_config(app, draft)
        parameters = parameters_block(features, form)
        schema = input_schema_block(app.mode, form)
    except ConfigUnavailable:
        parameters = dict(EMPTY_PARAMETERS)
        schema = empty_input_schema()
    return {
        "info": info_block(app) if "info" in wanted else None,
        "parameters": parameters if "parameters" in wanted else None,
        "input_schema": schema if "input_schema" in wanted else None,
    }
