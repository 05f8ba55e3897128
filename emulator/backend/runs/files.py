"""`POST /apps/{app_id}/files/upload` (contract §2.5): the checks of Dify's `FileService`.

The route hands over the multipart parts it found; the rules (one `file` part, a
filename, a MIME type, the extension blacklist, the size limit) and the 201 file
object live here. Files are stored in the emulator's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator import errors
from emulator.backend.common import new_id
from emulator.backend.context import Authorized
from emulator.backend.runs.service import caller_identity
from emulator.clock import Clock
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.runs import UploadFileRow


@dataclass(frozen=True)
class FilePart:
    field: str
    filename: str | None
    content_type: str | None
    content: bytes


class FileService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def upload(
        self, auth: Authorized, parts: list[FilePart], settings: EmulatorSettings
    ) -> dict[str, Any]:
        if not any(p.field == "file" for p in parts):
            raise errors.NoFileUploaded()
        if len(parts) > 1:
            raise errors.TooManyFiles()
        part = parts[0]
        if not part.filename:
            raise errors.FilenameNotExists()
        if not part.content_type:
            raise errors.UnsupportedFileType()
        extension = part.filename.rsplit(".", 1)[-1].lower() if "." in part.filename else ""
        blocked = {e.lower().lstrip(".") for e in settings.upload_blocked_extensions}
        if extension in blocked:
            raise errors.FileExtensionBlocked()
        limit = settings.upload_file_size_limit_bytes
        if len(part.content) > limit:
            raise errors.FileTooLarge(f"File size exceeded. {len(part.content)} > {limit}")
        app = auth.require_app()
        _role, creator = caller_identity(auth)
        row = UploadFileRow(
            id=new_id(),
            app_id=app.id,
            workspace_id=app.workspace_id,
            name=part.filename,
            size=len(part.content),
            extension=extension,
            mime_type=part.content_type,
            created_by=creator,
            created_at=self._clock.now(),
        )
        self._store.runs.insert_file(row, part.content)
        return {
            "id": row.id,
            "name": row.name,
            "size": row.size,
            "extension": row.extension,
            "mime_type": row.mime_type,
            "created_by": row.created_by,
            "created_at": int(row.created_at),
            "preview_url": None,
            "source_url": None,
            "original_url": None,
            "user_id": None,
            "tenant_id": row.workspace_id,
            "conversation_id": None,
            "file_key": None,
        }
