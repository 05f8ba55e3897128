"""Uploads over real HTTP: the file object, its id in a run's `files` and as a file
input, and the refusals typed by status (413 too large, 415 no type, 400 the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dify_client import (
    BadRequestError,
    DifyClient,
    PayloadTooLargeError,
    ServerError,
    UnsupportedMediaTypeError,
)
from tests.support.emulator import EmulatorHandle
from tests.support.runs import TICKET, TRIAGE, file_input_dsl, import_published

PDF = b"%PDF-1.7 a tiny document"


def test_an_upload_answers_the_file_object(dify: DifyClient, tmp_path: Path) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(PDF)
    uploaded = dify.files.upload(TRIAGE, path)
    assert uploaded.id and uploaded.name == "policy.pdf" and uploaded.size == len(PDF)
    assert (uploaded.extension, uploaded.mime_type) == ("pdf", "application/pdf")
    assert uploaded.created_by and uploaded.created_at
    assert uploaded.to_input() == {
        "type": "document",
        "transfer_method": "local_file",
        "upload_file_id": uploaded.id,
    }


def test_an_uploaded_file_goes_into_a_runs_files(dify: DifyClient) -> None:
    uploaded = dify.files.upload(TRIAGE, PDF, filename="ticket.pdf")
    result = dify.runs.run(TRIAGE, inputs=TICKET, files=[uploaded], mode="workflow")
    assert result.status == "succeeded"


def test_an_uploaded_file_is_a_file_input(dify: DifyClient, emulator: EmulatorHandle) -> None:
    app_id = import_published(dify, emulator, file_input_dsl())
    uploaded = dify.files.upload(app_id, PDF, filename="contract.pdf")
    result = dify.runs.run(app_id, inputs={"doc": uploaded.to_input()}, mode="workflow")
    assert result.status == "succeeded", result.error
    assert uploaded.id in str(result.outputs["doc"])


def test_a_file_that_was_never_uploaded_is_refused(dify: DifyClient) -> None:
    ref = {"type": "document", "transfer_method": "local_file", "upload_file_id": "f" * 8}
    with pytest.raises(ServerError):  # Dify's file factory raises ValueError: a 500
        dify.runs.run(TRIAGE, inputs=TICKET, files=[ref])


def test_a_file_over_the_limit_is_413(dify: DifyClient, emulator: EmulatorHandle) -> None:
    emulator.admin.settings(upload_file_size_limit_bytes=10)
    with pytest.raises(PayloadTooLargeError) as caught:
        dify.files.upload(TRIAGE, PDF, filename="big.pdf")
    assert caught.value.status_code == 413 and caught.value.code == "file_too_large"


def test_a_file_without_a_type_is_415(dify: DifyClient) -> None:
    # A blank Content-Type on the part: Werkzeug's `mimetype` is then "", which Dify's
    # files.py refuses (httpx would otherwise guess a type from the name).
    with pytest.raises(UnsupportedMediaTypeError) as caught:
        dify.files.upload(TRIAGE, PDF, filename="notes.pdf", mime_type=" ")
    assert caught.value.code == "unsupported_file_type"


def test_a_blocked_extension_is_400(dify: DifyClient, emulator: EmulatorHandle) -> None:
    emulator.admin.settings(upload_blocked_extensions=["exe"])
    with pytest.raises(BadRequestError) as caught:
        dify.files.upload(TRIAGE, b"MZ", filename="setup.exe")
    assert caught.value.code == "file_extension_blocked"
