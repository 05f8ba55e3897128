"""Uploading files for run inputs: `POST /apps/{id}/files/upload` (multipart, one `file`).

Dify (`api/controllers/openapi/files.py`, `_files.py`) answers 201 with the stored file;
no filename → 400 `filename_not_exists`, blocked extension → 400
`file_extension_blocked`, too big → 413 `file_too_large`, no or disallowed type → 415
`unsupported_file_type`. Those arrive as BadRequestError, PayloadTooLargeError and
UnsupportedMediaTypeError with the server's `code`.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from dify_client._http import parse_json
from dify_client.models.runs import UploadedFile
from dify_client.resources._base import Resource, validate

DEFAULT_MIME_TYPE = "application/octet-stream"


class FilesResource(Resource):
    def upload(
        self,
        app_id: str,
        path_or_bytes: str | Path | bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> UploadedFile:
        """Upload a file (a path, or bytes with `filename`); its `id` goes into run inputs.

        The type is guessed from the file name unless `mime_type` is given.
        """
        if isinstance(path_or_bytes, bytes):
            if not filename:
                raise ValueError("uploading bytes needs a filename (Dify refuses files without)")
            content = path_or_bytes
        else:
            source = Path(path_or_bytes)
            content = source.read_bytes()
            filename = filename or source.name
        mime = mime_type or mimetypes.guess_type(filename)[0] or DEFAULT_MIME_TYPE
        response = self._send(
            "upload.console_app.file", {"app_id": app_id}, files={"file": (filename, content, mime)}
        )
        where = f"POST {response.request.url.path}"
        return validate(UploadedFile, parse_json(response), where=where)
