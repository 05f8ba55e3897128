"""Loading a Dify app DSL: bare YAML or the export API's JSON wrapper, checked and located.

What is accepted and rejected follows what Dify's importer does
(`api/services/app_dsl_service.py`, `import_app`), made stricter where Dify silently fixes
things a person should know about (dsl-format.md §9):

* the text is YAML, or the JSON body ``{"data": "<yaml>"}`` that
  ``GET /console/api/apps/{id}/export`` answers with (§1) — some backups saved it as-is;
* the top level is a mapping with an ``app`` mapping that has a ``mode``;
* ``kind``, when present, is ``app`` (Dify rewrites any other kind to ``app``; a RAG
  pipeline DSL would then fail later in confusing ways);
* ``version`` is a string; a missing or empty one means ``0.1.0`` (§2, §8); an unquoted
  number is rejected, as Dify rejects it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

from dsl.errors import DslError, DslParseError, DslStructureError
from dsl.parsing import (
    compose,
    guard_yaml,
    hostile_to_parse_error,
    locate,
    parse_yaml,
    position_of_offset,
    scalar_text,
)
from dsl.tree import TreePath
from dsl.yaml_guard import HostileYamlError, check_byte_size

DEFAULT_DSL_VERSION = "0.1.0"
KNOWN_APP_MODES = ("advanced-chat", "agent", "agent-chat", "chat", "completion", "workflow")
WORKFLOW_MODES = ("advanced-chat", "workflow")
DSL_MAX_SIZE = 10 * 1024 * 1024  # Dify refuses imports above 10 MB (DSL_MAX_SIZE upstream)

_WRAPPED_WHERE = ' (line and column count inside the YAML text under the JSON "data" key)'


@dataclass(frozen=True, eq=False)
class DslDocument:
    """A loaded app DSL. Treat `data` as read-only: every function in `dsl` copies it.

    `text` is the YAML that was parsed (for a wrapped export, the inner YAML), kept for
    canonical-form checks and for locating problems.
    """

    data: dict[str, Any]
    source: str
    text: str
    wrapped: bool
    version: str
    version_declared: bool
    kind: str
    mode: str
    name: str

    def __repr__(self) -> str:
        wrapped = ", wrapped" if self.wrapped else ""
        return (
            f"DslDocument(source={self.source!r}, name={self.name!r}, mode={self.mode!r}, "
            f"version={self.version!r}{wrapped})"
        )

    @property
    def positions_note(self) -> str:
        """How to read line/column numbers reported for this document."""
        return _WRAPPED_WHERE.strip(" ()") if self.wrapped else ""


def load_file(path: str | os.PathLike[str]) -> DslDocument:
    """Read and load a DSL file (UTF-8, optional BOM)."""
    source = os.fspath(path)
    return load_text(read_text_file(path), source=source)


def read_text_file(path: str | os.PathLike[str], *, dsl: bool = True) -> str:
    """The UTF-8 text of a file, or a `DslError` saying which file and where it is wrong
    (it cannot be read, it is a directory, it is above 10 MB, it is not UTF-8).

    A file above 10 MB is refused before it is read (Dify refuses such imports; difyops
    reads no larger YAML of its own: `dsl=False` words the refusals for manifests).
    """
    source = os.fspath(path)
    try:
        with open(path, "rb") as stream:
            check_byte_size(os.fstat(stream.fileno()).st_size, dsl=dsl)
            raw = stream.read()
    except HostileYamlError as error:
        raise hostile_to_parse_error(error, source=source) from None
    except OSError as error:
        raise DslError(
            f"{source}: cannot read file: {error.strerror or error}",
            hint="give the path of a DSL file" if dsl else "give the path of a YAML file",
        ) from None
    return _decode(raw, source, dsl=dsl)


def read_text_stream(stream: BinaryIO, *, source: str = "<stdin>") -> str:
    """The UTF-8 text of an open binary stream (standard input, say), refused as a file
    would be when it is above 10 MB (at most one byte more is read) or not UTF-8."""
    try:
        raw = stream.read(DSL_MAX_SIZE + 1)
        check_byte_size(len(raw))
    except HostileYamlError as error:
        raise hostile_to_parse_error(error, source=source) from None
    except OSError as error:
        raise DslError(f"{source}: cannot read: {error.strerror or error}") from None
    return _decode(raw, source, dsl=True)


def _decode(raw: bytes, source: str, *, dsl: bool) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = raw[: error.start].decode("utf-8", errors="replace")
        line, column = position_of_offset(prefix, len(prefix))
        raise DslParseError(
            "the file is not UTF-8 text",
            source=source,
            line=line,
            column=column,
            hint="Dify writes DSL files as UTF-8; re-export the app or convert the file"
            if dsl
            else "save the file as UTF-8",
        ) from None


def check_import_text(text: str, *, source: str) -> None:
    """Refuse, before it is sent, a DSL that Dify would refuse or that could hurt the server:
    an empty text, one above Dify's 10 MB limit, an alias bomb or absurd nesting.

    Anything else (even YAML that does not parse) is left to the server, whose answer is the
    one that counts.
    """
    if not text.strip():
        raise DslStructureError(
            "the DSL is empty; Dify has nothing to import",
            source=source,
            hint="export the app from Dify (app menu → Export DSL) and import that file",
        )
    guard_yaml(text.removeprefix("\ufeff"), source=source)


def load_text(text: str, *, source: str = "<string>") -> DslDocument:
    """Load a DSL from text: bare YAML or the ``{"data": "<yaml>"}`` export body."""
    text = text.removeprefix("\ufeff")
    yaml_text, wrapped = unwrap_export_body(text, source=source)
    where = _WRAPPED_WHERE if wrapped else ""
    data = parse_yaml(yaml_text, source=source, where=where)
    checker = _StructureChecker(yaml_text, source=source, where=where)
    document = checker.check(data)
    return DslDocument(
        data=document, source=source, text=yaml_text, wrapped=wrapped, **checker.facts(document)
    )


def unwrap_export_body(text: str, *, source: str = "<string>") -> tuple[str, bool]:
    """The YAML inside an export API body, or the text itself when it is not one.

    Only a JSON object whose sole key is ``data`` counts as the wrapper; any other JSON is
    YAML too and is parsed as such.
    """
    if not text.lstrip().startswith("{"):
        return text, False
    try:
        body = json.loads(text)
    except ValueError:
        return text, False
    if not isinstance(body, dict) or set(body) != {"data"}:
        return text, False
    inner = body["data"]
    if not isinstance(inner, str):
        raise DslStructureError(
            f'the JSON export body\'s "data" is {_kind_of(inner)}, expected the DSL as a string',
            source=source,
            hint='the export API answers {"data": "<yaml text>"}',
        )
    return inner, True


class _StructureChecker:
    """Checks the top-level shape and reports problems at their place in the YAML."""

    def __init__(self, text: str, *, source: str, where: str) -> None:
        self._text = text
        self._source = source
        self._where = where

    def check(self, data: Any) -> dict[str, Any]:
        if data is None:
            self._fail(
                (),
                "the document is empty; expected a Dify app DSL",
                hint="export the app from Dify (app menu → Export DSL)",
            )
        if not isinstance(data, dict):
            self._fail(
                (),
                f"the top level is {_kind_of(data)}, expected a mapping with "
                "app, kind, version and workflow or model_config",
            )
        self._check_kind(data)
        self._check_version(data)
        self._check_app(data)
        return data

    def facts(self, data: Mapping[str, Any]) -> dict[str, Any]:
        version = data.get("version")
        app = data["app"]
        return {
            "version": version if isinstance(version, str) and version else DEFAULT_DSL_VERSION,
            "version_declared": isinstance(version, str) and bool(version),
            "kind": data.get("kind") or "app",
            "mode": app["mode"],
            "name": app.get("name") if isinstance(app.get("name"), str) else "",
        }

    def _check_kind(self, data: Mapping[str, Any]) -> None:
        kind = data.get("kind")
        if kind in (None, "", "app"):
            return
        if kind == "rag_pipeline":
            self._fail(
                ("kind",),
                "kind is 'rag_pipeline': this is a knowledge pipeline DSL, not an app DSL",
                hint="import it as a knowledge pipeline, not as an app",
            )
        self._fail(
            ("kind",),
            f"kind is {kind!r}, expected 'app'",
            hint="only app DSLs (kind: app) can be loaded",
        )

    def _check_version(self, data: Mapping[str, Any]) -> None:
        version = data.get("version")
        if version is None or isinstance(version, str):
            return
        written = scalar_text(compose(self._text), ("version",)) or str(version)
        self._fail(
            ("version",),
            f"version is {_kind_of(version)} ({written}), not a string; Dify rejects it",
            hint=f"quote the version: version: '{written}'",
        )

    def _check_app(self, data: Mapping[str, Any]) -> None:
        if "app" not in data or data["app"] is None:
            found = ", ".join(str(key) for key in list(data)[:8]) or "none"
            self._fail(
                (),
                f"not a Dify app DSL: there is no top-level 'app' mapping "
                f"(top-level keys: {found})",
                hint="export the app from Dify (app menu → Export DSL)",
            )
        app = data["app"]
        if not isinstance(app, dict):
            self._fail(("app",), f"app is {_kind_of(app)}, expected a mapping with name and mode")
        mode = app.get("mode")
        if mode is None or mode == "":
            self._fail(
                ("app",),
                "app.mode is missing; Dify needs it to create the app",
                hint=f"set app.mode to one of: {', '.join(KNOWN_APP_MODES)}",
                key=True,
            )
        if not isinstance(mode, str):
            self._fail(("app", "mode"), f"app.mode is {_kind_of(mode)}, expected a string")

    def _fail(
        self, path: TreePath, message: str, *, hint: str | None = None, key: bool = False
    ) -> NoReturn:
        line, column = locate(compose(self._text), path, key=key)
        raise DslStructureError(
            message + self._where,
            source=self._source,
            line=line,
            column=column,
            hint=hint or "export the app from Dify (app menu → Export DSL)",
        )


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def as_data(document: DslDocument | Mapping[str, Any]) -> Mapping[str, Any]:
    """The data tree of a document, or the mapping itself."""
    return document.data if isinstance(document, DslDocument) else document
