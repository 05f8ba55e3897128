"""Workspace-bound encryption of knowledge-retrieval `dataset_ids` (dsl-format.md §4).

Export encrypts each dataset id with AES-CBC, key = sha256(workspace id), IV = the first
16 bytes of the key, PKCS#7 padding, base64. It is deterministic, so one dataset exports
to one string per workspace. Import keeps plain UUIDs and ids that decrypt to a UUID for
the *importing* workspace; everything else is silently dropped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from emulator.backend.common import is_uuid


def _cipher(workspace_id: str) -> Cipher[modes.CBC]:
    key = hashlib.sha256(workspace_id.encode()).digest()
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt_dataset_id(dataset_id: str, workspace_id: str) -> str:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(dataset_id.encode()) + padder.finalize()
    encryptor = _cipher(workspace_id).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def decrypt_dataset_id(value: object, workspace_id: str) -> str | None:
    """The plain dataset id, or None when it is not ours (dropped by the importer)."""
    if not isinstance(value, str):
        return None
    if is_uuid(value):
        return value
    try:
        raw = base64.b64decode(value, validate=False)
        decryptor = _cipher(workspace_id).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        text = (unpadder.update(padded) + unpadder.finalize()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return text if is_uuid(text) else None
