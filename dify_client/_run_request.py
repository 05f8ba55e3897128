"""The body of `POST /apps/{id}/run`, checked by the rules the server applies per app mode.

From Dify's `api/controllers/openapi/app_run.py` and its `AppRunRequest`: chat, agent-chat
and advanced-chat need a non-blank `query` (422 `query_required_for_chat`); workflow
refuses any `query`, even "" (422 `query_not_supported_for_workflow`) and drops
`conversation_id` and `auto_generate_name`; completion sends `query` "" by default and
`auto_generate_name` false; other modes are not runnable (422 `mode_not_runnable`).
`conversation_id` is a UUID or blank (blank means none). Checking here turns a round trip
and a 422 into a clear error before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dify_client._errors import RunRequestError
from dify_client._ids import is_uuid
from dify_client.models.runs import UploadedFile

CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat"})
RUNNABLE_MODES = CHAT_MODES | {"workflow", "completion"}
# Apps whose runs have a workflow run id, so a dropped stream can be resumed.
RESUMABLE_MODES = frozenset({"workflow", "advanced-chat"})
FILE_TYPES = frozenset({"image", "document", "audio", "video", "custom"})
_TRANSFER_KEYS = {"local_file": "upload_file_id", "remote_url": "url"}

FileRef = Mapping[str, Any] | UploadedFile


def run_body(
    mode: str | None,
    *,
    inputs: Mapping[str, Any],
    query: str | None,
    files: Sequence[FileRef] | None,
    conversation_id: str | None,
    workflow_id: str | None,
) -> dict[str, Any]:
    """The JSON body to send; raises RunRequestError for what the server would refuse."""
    if not isinstance(inputs, Mapping):
        raise RunRequestError("invalid_inputs", "inputs must be a mapping of variable → value")
    body: dict[str, Any] = {
        "inputs": dict(inputs),
        "query": query,
        "files": file_refs(files) if files is not None else None,
        "conversation_id": _conversation(conversation_id),
        "workflow_id": workflow_id or None,
    }
    if mode is not None:
        _apply_mode(mode, body)
    return {key: value for key, value in body.items() if value is not None}


def _apply_mode(mode: str, body: dict[str, Any]) -> None:
    if mode not in RUNNABLE_MODES:
        raise RunRequestError(
            "mode_not_runnable",
            f"apps of mode {mode!r} cannot be run through the OpenAPI",
            hint="Only workflow, chatflow (advanced-chat), chat, agent-chat and completion "
            "apps run.",
        )
    query = body.get("query")
    if mode in CHAT_MODES and (query is None or not str(query).strip()):
        raise RunRequestError(
            "query_required_for_chat",
            f"a {mode} app needs a query (the user's message)",
            hint="Pass the user's message as the query.",
        )
    if mode == "workflow":
        if query is not None:
            raise RunRequestError(
                "query_not_supported_for_workflow",
                "a workflow app takes no query, not even an empty one; pass inputs only",
            )
        # Dropped by the server for workflows; not sending them says so.
        body.pop("conversation_id", None)
    if mode == "completion":
        body["query"] = query if query is not None else ""
        body["auto_generate_name"] = False


def _conversation(conversation_id: str | None) -> str | None:
    if conversation_id is None or not conversation_id.strip():
        return None
    if not is_uuid(conversation_id.strip()):
        raise RunRequestError(
            "invalid_conversation_id",
            f"conversation_id must be a valid UUID, got {conversation_id!r}",
        )
    return conversation_id.strip()


def file_refs(files: Sequence[FileRef]) -> list[dict[str, Any]]:
    """File references as the run takes them, checked for the shape Dify's file factory
    needs: `transfer_method` local_file (with `upload_file_id`) or remote_url (with `url`),
    and a known `type` when one is given."""
    refs: list[dict[str, Any]] = []
    for number, ref in enumerate(files, start=1):
        if isinstance(ref, UploadedFile):
            refs.append(ref.to_input())
            continue
        if not isinstance(ref, Mapping):
            raise RunRequestError("invalid_file_ref", f"file {number} is not a mapping: {ref!r}")
        method = ref.get("transfer_method")
        key = _TRANSFER_KEYS.get(str(method))
        if key is None:
            raise RunRequestError(
                "invalid_file_ref",
                f"file {number}: transfer_method must be local_file or remote_url, got {method!r}",
            )
        if not isinstance(ref.get(key), str) or not ref[key]:
            raise RunRequestError("invalid_file_ref", f"file {number}: {method} needs {key}")
        kind = ref.get("type")
        if kind is not None and kind not in FILE_TYPES:
            raise RunRequestError(
                "invalid_file_ref",
                f"file {number}: type must be one of {sorted(FILE_TYPES)}, got {kind!r}",
            )
        refs.append(dict(ref))
    return refs
