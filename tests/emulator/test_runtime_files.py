"""`POST /apps/{app_id}/files/upload` over real HTTP, and upload ids in run inputs."""

from __future__ import annotations

from tests.emulator._helpers import ADA, MARGARET, TRIAGE, UNKNOWN_UUID, assert_error
from tests.emulator._runtime import events, run_triage

UPLOAD = f"/apps/{TRIAGE}/files/upload"


def _api(emulator):
    return emulator.client(emulator.admin.token(ADA))


def test_upload_answers_201_with_the_file_object(emulator):
    response = _api(emulator).post(UPLOAD, files={"file": ("notes.TXT", b"hello", "text/plain")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "notes.TXT" and body["size"] == 5
    assert body["extension"] == "txt" and body["mime_type"] == "text/plain"
    assert isinstance(body["created_at"], int)
    assert set(body) == {
        "id", "name", "size", "extension", "mime_type", "created_by", "created_at",
        "preview_url", "source_url", "original_url", "user_id", "tenant_id",
        "conversation_id", "file_key",
    }  # fmt: skip
    store = emulator.server.emulator.store.runs
    assert store.file_content(body["id"]) == b"hello"


def test_upload_errors(emulator):
    api = _api(emulator)
    assert_error(api.post(UPLOAD), 400, code="no_file_uploaded")
    assert_error(api.post(UPLOAD, files={"other": ("a.txt", b"x", "text/plain")}), 400,
                 code="no_file_uploaded")  # fmt: skip
    two = [("file", ("a.txt", b"x", "text/plain")), ("file", ("b.txt", b"y", "text/plain"))]
    assert_error(api.post(UPLOAD, files=two), 400, code="too_many_files")
    nameless = api.post(
        UPLOAD,
        content=b'--B\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
        b"Content-Type: text/plain\r\n\r\nx\r\n--B--\r\n",
        headers={"content-type": "multipart/form-data; boundary=B"},
    )
    assert_error(nameless, 400, code="filename_not_exists")
    untyped = api.post(
        UPLOAD,
        content=b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        b"\r\nx\r\n--B--\r\n",
        headers={"content-type": "multipart/form-data; boundary=B"},
    )
    assert_error(untyped, 415, code="unsupported_file_type")


def test_upload_size_limit_and_blocked_extensions(emulator):
    emulator.admin.settings(upload_file_size_limit_bytes=4, upload_blocked_extensions=["exe"])
    api = _api(emulator)
    big = api.post(UPLOAD, files={"file": ("a.txt", b"12345", "text/plain")})
    assert_error(big, 413, code="file_too_large")
    blocked = api.post(UPLOAD, files={"file": ("a.EXE", b"1", "application/octet-stream")})
    assert_error(blocked, 400, code="file_extension_blocked")


def test_upload_needs_auth_and_a_visible_app(emulator):
    assert_error(emulator.client().post(UPLOAD), 401)
    files = {"file": ("a.txt", b"x", "text/plain")}
    outsider = emulator.client(emulator.admin.token(MARGARET))
    assert_error(outsider.post(UPLOAD, files=files), 404, code="not_found")
    assert_error(_api(emulator).post(f"/apps/{UNKNOWN_UUID}/files/upload", files=files), 404)


def test_uploaded_ids_are_accepted_in_runs_and_unknown_ones_refused(emulator):
    api = _api(emulator)
    file_id = api.post(UPLOAD, files={"file": ("a.png", b"x", "image/png")}).json()["id"]
    ref = {"type": "image", "transfer_method": "local_file", "upload_file_id": file_id}
    found = events(run_triage(api, files=[ref], inputs={"doc": ref}))
    assert found[0]["data"]["inputs"]["sys.files"] == [ref]
    assert found[-1]["data"]["status"] == "succeeded"
    unknown = {**ref, "upload_file_id": UNKNOWN_UUID}
    assert_error(run_triage(api, files=[unknown]), 500)
    assert_error(run_triage(api, inputs={"doc": [unknown]}), 500)
    remote = {"type": "image", "transfer_method": "remote_url", "url": "https://x.example/a.png"}
    events(run_triage(api, files=[remote]))
