"""What a run came to (RunResult); stop, upload and human-input forms."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_client import (
    APIStatusError,
    BadRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from tests.dify_client.conftest import error_body
from tests.dify_client.sse_frames import (
    APP,
    CONVERSATION,
    FINISHED,
    NODE_A_END,
    NODE_A_START,
    NODE_B_END,
    NODE_B_START,
    PING,
    RUN,
    STARTED,
    TASK,
    body_of,
    chunk,
    sse,
    wf,
)

# --- RunResult ------------------------------------------------------------------------


def test_run_result_of_a_workflow(make_client) -> None:
    client, _ = make_client(
        sse(STARTED, NODE_A_START, NODE_A_END, NODE_B_START, chunk("x"), NODE_B_END, FINISHED)
    )
    result = client.runs.run(APP, inputs={})
    assert result.status == "succeeded"
    assert result.outputs == {"answer": "hello world"}
    assert (result.run_id, result.task_id) == (RUN, TASK)
    assert result.total_tokens == 42 and result.elapsed_time == 2.0
    assert [(n.node_id, n.node_type, n.status, n.elapsed_time) for n in result.nodes] == [
        ("start", "start", "succeeded", 0.25),
        ("llm", "llm", "succeeded", 1.5),
    ]
    assert result.answer is None and result.form_token is None


def test_run_result_of_a_chat(make_client) -> None:
    def message(text: str) -> dict[str, Any]:
        return {
            "event": "message",
            "task_id": TASK,
            "id": "m1",
            "message_id": "m1",
            "conversation_id": CONVERSATION,
            "answer": text,
        }

    usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "latency": 0.5}
    end = {
        "event": "message_end",
        "task_id": TASK,
        "id": "m1",
        "message_id": "m1",
        "conversation_id": CONVERSATION,
        "metadata": {"usage": usage},
    }
    client, _ = make_client(sse(message("Hel"), PING, message("lo"), end))
    result = client.runs.run(APP, inputs={}, query="hi", mode="chat")
    assert result.status == "succeeded" and result.answer == "Hello"
    assert result.conversation_id == CONVERSATION and result.message_id == "m1"
    assert result.usage == usage and result.total_tokens == 7 and result.elapsed_time == 0.5
    assert result.run_id is None


def test_run_result_of_a_failed_node_and_a_paused_run(make_client) -> None:
    failed_node = wf(
        "node_finished",
        {
            "id": "exec-b",
            "node_id": "llm",
            "node_type": "llm",
            "title": "LLM",
            "status": "failed",
            "error": "quota",
            "elapsed_time": 0.1,
        },
    )
    failed = wf(
        "workflow_finished",
        {
            "id": RUN,
            "status": "failed",
            "error": "quota",
            "outputs": None,
            "elapsed_time": 0.2,
            "total_tokens": 0,
        },
    )
    client, _ = make_client(sse(STARTED, NODE_B_START, failed_node, failed))
    result = client.runs.run(APP, inputs={})
    assert result.status == "failed" and result.error == "quota" and result.outputs == {}
    assert result.nodes[0].status == "failed" and result.nodes[0].error == "quota"

    form = wf("human_input_required", {"form_token": "FT-1", "node_id": "h", "actions": []})
    paused = wf("workflow_paused", {"workflow_run_id": RUN, "paused_nodes": ["h"]})
    client, recorder = make_client(sse(STARTED, form, paused))
    result = client.runs.run(APP, inputs={})
    assert result.status == "paused" and result.form_token == "FT-1"
    assert "FT-1" not in repr(result)
    assert len(recorder.requests) == 1  # a pause closes the run stream; not a drop


# --- stop, upload, forms --------------------------------------------------------------


def test_stop(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={"result": "success"}))
    assert client.runs.stop(APP, TASK) is None
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.url.path == f"/openapi/v1/apps/{APP}/tasks/{TASK}/stop"


UPLOADED = {
    "id": "file-1",
    "name": "notes.pdf",
    "size": 5,
    "extension": "pdf",
    "mime_type": "application/pdf",
    "created_by": "acc",
    "created_at": 1700000000,
    "preview_url": None,
    "source_url": None,
    "original_url": None,
    "user_id": None,
    "tenant_id": "ws",
    "conversation_id": None,
    "file_key": None,
}


def test_upload_sends_one_multipart_file_part(make_client, tmp_path) -> None:
    client, recorder = make_client(httpx.Response(201, json=UPLOADED))
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-")
    uploaded = client.files.upload(APP, path)
    assert uploaded.id == "file-1" and uploaded.file_type == "document"
    assert uploaded.to_input() == {
        "type": "document",
        "transfer_method": "local_file",
        "upload_file_id": "file-1",
    }
    request = recorder.requests[0]
    assert request.url.path == f"/openapi/v1/apps/{APP}/files/upload"
    assert request.headers["content-type"].startswith("multipart/form-data")
    content = request.read()
    assert content.count(b"Content-Disposition") == 1
    assert b'name="file"; filename="notes.pdf"' in content
    assert b"Content-Type: application/pdf" in content


def test_upload_of_bytes_needs_a_filename(make_client) -> None:
    client, recorder = make_client(httpx.Response(201, json=UPLOADED))
    with pytest.raises(ValueError, match="filename"):
        client.files.upload(APP, b"data")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "file_extension_blocked", BadRequestError),
        (413, "file_too_large", PayloadTooLargeError),
        (415, "unsupported_file_type", UnsupportedMediaTypeError),
    ],
)
def test_upload_errors_are_typed(make_client, status, code, error) -> None:
    client, recorder = make_client(error_body(status, code, "refused"))
    with pytest.raises(error) as caught:
        client.files.upload(APP, b"data", filename="a.exe")
    assert caught.value.code == code and len(recorder.requests) == 1


FORM = {
    "form_content": "Approve **this**?",
    "inputs": [{"type": "paragraph", "output_variable_name": "comment"}],
    "resolved_default_values": {"comment": ""},
    "user_actions": [{"id": "approve", "title": "Approve"}],
    "expiration_time": 1700003600,
}


def test_forms_get_and_submit(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json=FORM), httpx.Response(200, json={}))
    form = client.forms.get(APP, "FT-SECRET")
    assert form.user_actions[0]["id"] == "approve" and form.expiration_time == 1700003600
    assert client.forms.submit(APP, "FT-SECRET", action="approve", inputs={"c": "ok"}) is None
    get, post = recorder.requests
    assert get.url.path == f"/openapi/v1/apps/{APP}/form/human_input/FT-SECRET"
    assert post.method == "POST" and body_of(post) == {"inputs": {"c": "ok"}, "action": "approve"}


@pytest.mark.parametrize(
    ("status", "code"), [(404, "form_not_found"), (412, "human_input_form_submitted")]
)
def test_form_errors_do_not_show_the_token(make_client, status, code) -> None:
    client, _ = make_client(error_body(status, code, "no such form"))
    with pytest.raises(APIStatusError) as caught:
        client.forms.get(APP, "FT-SECRET")
    assert caught.value.code == code
    assert "FT-SECRET" not in str(caught.value)


def test_verbose_logs_show_neither_the_bearer_nor_the_form_token(make_client, caplog) -> None:
    client, _ = make_client(httpx.Response(200, json=FORM), sse(STARTED, FINISHED), verbose=True)
    with caplog.at_level("DEBUG", logger="dify_client"):
        client.forms.get(APP, "FT-SECRET")
        client.runs.run(APP, inputs={})
    text = caplog.text
    assert "/form/human_input/[redacted]" in text
    assert "FT-SECRET" not in text and "TTTT" not in text
    assert "TTTT" not in repr(client) and "TTTT" not in repr(client.runs.stream(APP, inputs={}))
