"""Checking a DSL before it is committed or imported: `difyops dsl check` in a function.

Covers what would make an import fail or misbehave: the file does not load; the version
is unparsable or needs confirmation on the target server; secrets are in the file;
edges or references point at nodes or variables that do not exist; a human-input node
repeats a user action id; the app mode and its sections do not fit. Workspace-bound
references are listed for information.

Every problem carries the 1-based line and column of the place it is about, so editors
and CI logs can jump there.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, BinaryIO

import yaml

from dsl.breaking import dangling_edges
from dsl.compat import ImportCompatibility, check_compatibility, is_valid_version
from dsl.document import (
    DSL_MAX_SIZE,
    KNOWN_APP_MODES,
    WORKFLOW_MODES,
    DslDocument,
    load_file,
    load_text,
    read_text_stream,
)
from dsl.errors import DslError, DslParseError
from dsl.graph import (
    EDGES_PATH,
    NODES_PATH,
    SPECIAL_NAMESPACES,
    graph_of,
    indexed_edges,
    indexed_nodes,
    iter_references,
    node_data,
    node_id,
    node_ids,
    variable_names,
)
from dsl.parsing import compose, locate
from dsl.secrets import find_secrets, plain_variables_named_like_secrets
from dsl.tree import TreePath, as_str, format_path
from dsl.workspace import workspace_bound_refs


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str
    message: str
    path: TreePath = ()
    line: int | None = None
    column: int | None = None

    def location(self, source: str) -> str:
        if self.line is None:
            return source
        return f"{source}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
            "path": format_path(self.path),
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True)
class CheckReport:
    source: str
    problems: tuple[Problem, ...]
    version: str | None = None
    compatibility: ImportCompatibility | None = None
    positions_note: str = ""

    @property
    def ok(self) -> bool:
        """No errors (warnings and information do not fail a check)."""
        return not any(problem.severity is Severity.ERROR for problem in self.problems)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def by_severity(self, severity: Severity) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is severity]

    def to_json(self) -> dict[str, Any]:
        tally = Counter(str(problem.severity) for problem in self.problems)
        return {
            "source": self.source,
            "ok": self.ok,
            "version": self.version,
            "compatibility": str(self.compatibility) if self.compatibility else None,
            "positions_note": self.positions_note or None,
            "counts": {
                severity: tally.get(severity, 0) for severity in ("error", "warning", "info")
            },
            "problems": [problem.to_json() for problem in self.problems],
        }


def check_file(path: str | os.PathLike[str], *, current_version: str | None = None) -> CheckReport:
    """Load and check a file; a file that does not load is a report with one error."""
    try:
        document = load_file(path)
    except DslParseError as error:
        return _unloadable(error.source, error.message, error.hint, error.line, error.column)
    except DslError as error:
        # "cannot read" names the path already; the report's location names it again.
        source = os.fspath(path)
        message = str(error).removeprefix(f"{source}: ")
        return _unloadable(source, message, getattr(error, "hint", None), None, None)
    return check_document(document, current_version=current_version)


def check_stream(
    stream: BinaryIO, *, source: str = "<stdin>", current_version: str | None = None
) -> CheckReport:
    """`check_file` for an open binary stream (standard input, say), named `source`."""
    try:
        document = load_text(read_text_stream(stream, source=source), source=source)
    except DslParseError as error:
        return _unloadable(error.source, error.message, error.hint, error.line, error.column)
    except DslError as error:
        return _unloadable(source, str(error), None, None, None)
    return check_document(document, current_version=current_version)


def _unloadable(
    source: str, message: str, hint: str | None, line: int | None, column: int | None
) -> CheckReport:
    text = f"{message}; {hint}" if hint else message
    problem = Problem(Severity.ERROR, "parse", text, (), line, column)
    return CheckReport(source, (problem,))


def check_document(document: DslDocument, *, current_version: str | None = None) -> CheckReport:
    """Every problem found in a loaded document, located in its YAML."""
    checks = [
        _size_problems(document),
        _version_problems(document, current_version),
        _mode_problems(document),
        _secret_problems(document),
        _plain_secret_variable_problems(document),
        _graph_problems(document),
        _human_input_problems(document),
        _reference_problems(document),
        _attention_notes(document),
    ]
    problems = [problem for check in checks for problem in check]
    compatibility = (
        check_compatibility(document.version, current_version) if current_version else None
    )
    return CheckReport(
        document.source,
        tuple(_located(document, problems)),
        document.version,
        compatibility,
        document.positions_note,
    )


def _located(document: DslDocument, problems: list[Problem]) -> list[Problem]:
    if not problems:
        return problems
    try:
        root = compose(document.text)
    except yaml.YAMLError:  # a document built by hand may have no text of its own
        return problems
    located = []
    for problem in problems:
        line, column = locate(root, problem.path)
        located.append(
            Problem(problem.severity, problem.code, problem.message, problem.path, line, column)
        )
    return located


def _size_problems(document: DslDocument) -> Iterator[Problem]:
    size = len(document.text.encode("utf-8"))
    if size > DSL_MAX_SIZE:
        yield Problem(
            Severity.ERROR,
            "size",
            f"the DSL is {size:,} bytes; Dify refuses imports above {DSL_MAX_SIZE:,} bytes",
        )


def _version_problems(document: DslDocument, current_version: str | None) -> Iterator[Problem]:
    if not document.version_declared:
        yield Problem(Severity.INFO, "version", "no version: Dify treats it as 0.1.0")
    if not is_valid_version(document.version):
        yield Problem(
            Severity.ERROR,
            "version",
            f"version {document.version!r} is not a valid version number; Dify fails the import",
            ("version",),
        )
        return
    if current_version is None:
        return
    status = check_compatibility(document.version, current_version)
    path: TreePath = ("version",) if document.version_declared else ()
    message = f"DSL {document.version} on a server at {current_version}: {status.explanation}"
    if status is ImportCompatibility.FAILED:
        yield Problem(
            Severity.ERROR,
            "compatibility",
            f"server version {current_version!r} is not a valid version",
            path,
        )
    elif status is ImportCompatibility.PENDING:
        yield Problem(Severity.WARNING, "compatibility", message, path)
    elif status is ImportCompatibility.COMPLETED_WITH_WARNINGS:
        yield Problem(Severity.INFO, "compatibility", message, path)


def _mode_problems(document: DslDocument) -> Iterator[Problem]:
    data, mode = document.data, document.mode
    if mode not in KNOWN_APP_MODES:
        yield Problem(
            Severity.WARNING,
            "mode",
            f"app.mode {mode!r} is not one of {', '.join(KNOWN_APP_MODES)}",
            ("app", "mode"),
        )
    if mode in WORKFLOW_MODES and not isinstance(graph_of(data).get("nodes"), list):
        yield Problem(
            Severity.ERROR,
            "mode",
            f"a {mode} app needs workflow.graph with nodes; Dify fails the import without it",
            ("workflow",),
        )
    if mode in ("chat", "agent-chat", "completion") and not isinstance(
        data.get("model_config"), dict
    ):
        yield Problem(
            Severity.ERROR,
            "mode",
            f"a {mode} app needs a model_config mapping; Dify fails the import without it",
            ("app", "mode"),
        )


def _secret_problems(document: DslDocument) -> Iterator[Problem]:
    for finding in find_secrets(document):
        where = f' in node "{finding.node_title}"' if finding.node_title else ""
        yield Problem(
            Severity.ERROR,
            "secret",
            f"{finding.description}{where}; redact it or move it to a secret environment variable",
            finding.path,
        )


def _plain_secret_variable_problems(document: DslDocument) -> Iterator[Problem]:
    flagged = {finding.path[:-1] for finding in find_secrets(document)}
    for variable in plain_variables_named_like_secrets(document):
        if variable.path[:-1] in flagged:  # its value already reads as a credential (error)
            continue
        yield Problem(
            Severity.WARNING,
            "secret-name",
            f"environment variable '{variable.name}' is named like a secret but is a plain "
            f"{variable.value_type or 'untyped'} variable with a value: Dify exports and backups "
            "keep it in clear text; make it a secret variable (value_type: secret)",
            variable.path,
        )


def _graph_problems(document: DslDocument) -> Iterator[Problem]:
    data = document.data
    seen = Counter(node_id(node) for _, node in indexed_nodes(data))
    reported: set[str] = set()
    for index, node in indexed_nodes(data):
        identifier = node_id(node)
        if not identifier:
            yield Problem(Severity.ERROR, "node-id", "node without an id", (*NODES_PATH, index))
        elif seen[identifier] > 1 and identifier not in reported:
            reported.add(identifier)
            yield Problem(
                Severity.ERROR,
                "node-id",
                f"node id {identifier} is used by {seen[identifier]} nodes",
                (*NODES_PATH, index, "id"),
            )
    dangling = {id(edge): end for edge, end in dangling_edges(data)}
    for index, edge in indexed_edges(data):
        end = dangling.get(id(edge))
        if end is None:
            continue
        missing = as_str(edge.get(end))
        label = as_str(edge.get("id")) or f"#{index}"
        yield Problem(
            Severity.ERROR,
            "dangling-edge",
            f"edge {label}: {end} {missing!r} is not a node of this graph",
            (*EDGES_PATH, index, end),
        )


def _human_input_problems(document: DslDocument) -> Iterator[Problem]:
    """Dify validates human-input nodes when it saves the draft, so at import: the user
    action ids are the node's output handles and must be unique."""
    for index, node in indexed_nodes(document.data):
        data = node_data(node)
        if data.get("type") != "human-input":
            continue
        seen: set[str] = set()
        actions = data.get("user_actions")
        for position, action in enumerate(actions if isinstance(actions, list) else []):
            action_id = as_str(action.get("id")) if isinstance(action, dict) else ""
            if action_id in seen:
                yield Problem(
                    Severity.ERROR,
                    "human-input",
                    f'human-input node "{as_str(data.get("title")) or node_id(node)}": '
                    f"user action id {action_id!r} is used twice; Dify refuses the import",
                    (*NODES_PATH, index, "data", "user_actions", position, "id"),
                )
            seen.add(action_id)


def _reference_problems(document: DslDocument) -> Iterator[Problem]:
    data = document.data
    ids = node_ids(data)
    defined = {namespace: variable_names(data, namespace) for namespace in ("env", "conversation")}
    for reference in iter_references(data):
        head = reference.target[0]
        where = f'node "{reference.node_title}" refers to {reference.target_text}'
        if head in defined:
            name = reference.target[1]
            if name not in defined[head]:
                kind = "environment" if head == "env" else "conversation"
                yield Problem(
                    Severity.ERROR,
                    "unknown-variable",
                    f"{where}, but there is no {kind} variable {name!r}",
                    reference.path,
                )
        elif head not in ids and head not in SPECIAL_NAMESPACES:
            yield Problem(
                Severity.ERROR,
                "dangling-reference",
                f"{where}, but there is no node {head!r}",
                reference.path,
            )


def _attention_notes(document: DslDocument) -> Iterator[Problem]:
    for ref in workspace_bound_refs(document.data):
        yield Problem(Severity.INFO, "workspace-bound", str(ref), ref.path)


def render_check_text(report: CheckReport) -> str:
    """``file:line:column: severity: message`` lines, then a one-line verdict."""
    lines = [
        f"{problem.location(report.source)}: {problem.severity}: {problem.message}"
        for problem in report.problems
    ]
    if report.positions_note and any(problem.line for problem in report.problems):
        lines.append(f"(note: {report.positions_note})")
    tally = Counter(problem.severity for problem in report.problems)
    verdict = "ok" if report.ok else "failed"
    lines.append(
        f"{report.source}: {verdict} — {tally[Severity.ERROR]} error(s), "
        f"{tally[Severity.WARNING]} warning(s), {tally[Severity.INFO]} note(s)"
    )
    return "\n".join(lines) + "\n"
