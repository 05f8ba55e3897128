"""Finding and redacting secrets in a DSL (dsl-format.md §6).

Exports made "with secrets" carry the plaintext of secret environment variables, and
credentials typed straight into nodes are never stripped: HTTP-request API keys and
headers, query parameters and form fields, keys in URLs, tool parameters declared
``secret-input``, hard-coded tokens in code. `find_secrets` reports where they are;
`redact` replaces them with `REDACTED_PLACEHOLDER` and keeps everything else, structure
included.

A finding never holds the secret itself: only its path, what kind of secret it looks
like and, when the secret is part of a longer string (a header block, a URL), the span
of characters to replace. Values that only reference variables (``{{#env.key#}}``) and
obvious placeholders (``YOUR_API_KEY``, ``sk-xxxx``) are not secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from dsl.document import DslDocument, as_data
from dsl.graph import ENVIRONMENT_PATH, NODES_PATH, indexed_nodes, node_data, node_id, node_title
from dsl.tree import (
    TreePath,
    as_str,
    copy_tree,
    format_path,
    get_path,
    iter_strings,
    path_sort_key,
    set_path,
)

REDACTED_PLACEHOLDER = "<redacted>"

_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_AUTH_SCHEME = re.compile(r"(?i)^(?:bearer|basic|token)\s*")
_PLACEHOLDER_WORDS = (
    "your",
    "xxx",
    "***",
    "example",
    "placeholder",
    "changeme",
    "redacted",
    "dummy_key",
    "todo",
    "replace",
    "insert",
    "...",
    "…",
    "<",
    ">",
)
# Values built from code or templates at run time, not typed-in secrets.
_TEMPLATED_CHARS = ("{", "}", "$")

_TOKEN_FORMATS = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic, DeepSeek, Moonshot …
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|hf_[A-Za-z0-9]{30,}"
    r"|gsk_[A-Za-z0-9]{40,}"
    r"|tvly-[A-Za-z0-9-]{20,}"
    r"|jina_[A-Za-z0-9]{30,}"
    r"|(?:app|dataset)-[A-Za-z0-9]{24}(?![A-Za-z0-9])"  # Dify app and knowledge API keys
    r")"
)
_BEARER = re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)")
# Query parameter names that carry a credential, in a URL or an HTTP node's `params`.
_CREDENTIAL_QUERY_NAMES = (
    r"(?:key|api[_-]?key|apikey|token|access[_-]?token|auth[_-]?token|auth|secret|"
    r"client[_-]?secret|password|pwd|sig|signature|x-api-key)"
)
_URL_CREDENTIAL = re.compile(
    r"(?i)[?&]" + _CREDENTIAL_QUERY_NAMES + r"=((?:\{\{#[^#]*#\}\}|[^&#\s'\"])+)"
)
_CREDENTIAL_QUERY_NAME = re.compile(r"(?i)^" + _CREDENTIAL_QUERY_NAMES + r"$")
_CREDENTIAL_NAME = re.compile(
    r"(?i)^(?:.*[_-])?(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|secret|"
    r"client[_-]?secret|password|passwd|access[_-]?token|auth[_-]?token|bearer[_-]?token|"
    r"private[_-]?key)$|^(?:token|x-api-key)$"
)
_CREDENTIAL_HEADER = re.compile(
    r"(?i)^(?:authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|"
    r"x-access-token|access-token|token|x-token|cookie)$"
)


# A key that names a credential, in YAML text (block or flow style); see _CREDENTIAL_NAME.
_CREDENTIAL_KEY_IN_TEXT = re.compile(
    r"(?i)(?:^|[\s{,])['\"]?(?:[\w-]*[_-])?(?:api[_-]?key|apikey|access[_-]?key|"
    r"secret[_-]?key|secret|client[_-]?secret|password|passwd|access[_-]?token|auth[_-]?token|"
    r"bearer[_-]?token|private[_-]?key|token|x-api-key)['\"]?[ \t]*:",
    re.MULTILINE,
)
# Text that, when absent, rules out every kind of finding below without parsing.
_TRIGGER_WORDS = ("value_type: secret", "http-request", "secret-input")


def may_contain_secrets(text: str) -> bool:
    """False only when `find_secrets` is sure to find nothing in this DSL text.

    A cheap test on the raw text, so a backup need not parse every export: each finding
    below needs one of these to be present — a secret-typed environment variable, an
    HTTP-request node, a tool parameter declared `secret-input`, a key that names a
    credential, or a token, bearer token or URL credential matching the same patterns the
    detector applies to values (YAML never splits such a run of non-space characters
    across lines). True means "look closer", not "found".
    """
    if any(word in text for word in _TRIGGER_WORDS):
        return True
    return any(
        pattern.search(text)
        for pattern in (_CREDENTIAL_KEY_IN_TEXT, _TOKEN_FORMATS, _BEARER, _URL_CREDENTIAL)
    )


@dataclass(frozen=True)
class SecretFinding:
    """Where a secret is, and what it looks like — never the secret itself."""

    path: TreePath
    kind: str
    description: str
    node_id: str | None = None
    node_title: str | None = None
    span: tuple[int, int] | None = None

    def __str__(self) -> str:
        where = f' (node "{self.node_title}")' if self.node_title else ""
        return f"{format_path(self.path)}{where}: {self.description}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": format_path(self.path),
            "kind": self.kind,
            "description": self.description,
            "node_id": self.node_id,
            "node_title": self.node_title,
        }


def find_secrets(document: DslDocument | Mapping[str, Any]) -> list[SecretFinding]:
    """Secrets in the document, one finding per secret, in a stable order."""
    data = as_data(document)
    by_path: dict[TreePath, list[SecretFinding]] = {}
    for finding in _all_findings(data):
        by_path.setdefault(finding.path, []).append(finding)
    nodes = dict(indexed_nodes(data))
    result: list[SecretFinding] = []
    for path in sorted(by_path, key=path_sort_key):
        for finding in _without_overlaps(by_path[path]):
            result.append(_with_node_identity(finding, nodes))
    return result


def _without_overlaps(findings: list[SecretFinding]) -> list[SecretFinding]:
    """One finding per secret: a whole-value finding wins; overlapping spans keep the first."""
    whole = [finding for finding in findings if finding.span is None]
    if whole:
        return whole[:1]
    kept: list[SecretFinding] = []
    end = -1
    for finding in sorted(findings, key=lambda f: (f.span or (0, 0))[0]):
        start, stop = finding.span or (0, 0)
        if start >= end:
            kept.append(finding)
            end = stop
    return kept


def _with_node_identity(
    finding: SecretFinding, nodes: Mapping[int, Mapping[str, Any]]
) -> SecretFinding:
    """Findings under ``workflow.graph.nodes[i]`` learn which node they are in."""
    path = finding.path
    if finding.node_id is not None or path[: len(NODES_PATH)] != NODES_PATH:
        return finding
    index = path[len(NODES_PATH)] if len(path) > len(NODES_PATH) else None
    node = nodes.get(index) if isinstance(index, int) else None
    if node is None:
        return finding
    return replace(finding, node_id=node_id(node), node_title=node_title(node))


def redact(
    document: DslDocument | Mapping[str, Any], findings: list[SecretFinding] | None = None
) -> dict[str, Any]:
    """A copy of the data with every secret replaced by `REDACTED_PLACEHOLDER`.

    Only the secret is replaced: the rest of a header block or URL stays readable. Findings
    that no longer match the data (a stale list) are skipped.
    """
    data = as_data(document)
    if findings is None:
        findings = find_secrets(data)
    result: dict[str, Any] = copy_tree(dict(data))
    spans: dict[TreePath, list[tuple[int, int]]] = {}
    for finding in findings:
        if finding.span is None:
            current = get_path(result, finding.path)
            if current is not None and not isinstance(current, dict | list):
                set_path(result, finding.path, REDACTED_PLACEHOLDER)
        else:
            spans.setdefault(finding.path, []).append(finding.span)
    for path, ranges in spans.items():
        text = get_path(result, path)
        if isinstance(text, str):
            set_path(result, path, _replace_spans(text, ranges))
    return result


def secret_paths(value: Any) -> list[TreePath]:
    """Paths (relative to `value`) of secrets inside one node's data or one section.

    Used by the diff to decide which changed values must not be shown.
    """
    findings = [*_string_findings(value, ()), *_named_findings(value, ())]
    if isinstance(value, Mapping):
        findings.extend(_node_specific_findings(value, ()))
    return [finding.path for finding in findings]


def _replace_spans(text: str, ranges: list[tuple[int, int]]) -> str:
    """Replace each span (overlapping ones merged), right to left so offsets stay valid."""
    merged: list[list[int]] = []
    for start, end in sorted(r for r in ranges if 0 <= r[0] <= r[1] <= len(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + REDACTED_PLACEHOLDER + text[end:]
    return text


def looks_like_secret(value: str, *, min_length: int = 8) -> bool:
    """A typed-in value that is long enough, not a template and not a placeholder."""
    remainder = _AUTH_SCHEME.sub("", _TEMPLATE.sub("", value).strip())
    if len(remainder) < min_length:
        return False
    if any(char in remainder for char in _TEMPLATED_CHARS):
        return False
    lowered = remainder.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return False
    return len(set(remainder)) > 2  # "aaaaaaaa", "00000000"


def _all_findings(data: Mapping[str, Any]) -> Iterator[SecretFinding]:
    yield from _environment_findings(data)
    for index, node in indexed_nodes(data):
        base: TreePath = (*NODES_PATH, index, "data")
        payload = node_data(node)
        yield from _node_specific_findings(payload, base)
        yield from _named_findings(payload, base)
    model_config = data.get("model_config")
    if isinstance(model_config, Mapping):
        yield from _named_findings(model_config, ("model_config",))
    yield from _string_findings(data, ())


def _environment_findings(data: Mapping[str, Any]) -> Iterator[SecretFinding]:
    variables = get_path(data, ENVIRONMENT_PATH)
    for index, variable in enumerate(variables if isinstance(variables, list) else []):
        if not isinstance(variable, Mapping) or variable.get("value_type") != "secret":
            continue
        value = variable.get("value")
        if value not in (None, "", REDACTED_PLACEHOLDER):
            yield SecretFinding(
                (*ENVIRONMENT_PATH, index, "value"),
                "secret-environment-variable",
                f"secret environment variable '{as_str(variable.get('name'))}' has a value "
                "(exported with secrets included)",
            )


# Environment variable names that say "this is a credential": SERVICE_TOKEN, DB_PASSWORD,
# OPENAI_API_KEY, client-secret, serviceToken.
_SECRET_LIKE_VARIABLE = re.compile(
    r"(?i)(?:^|[_-])(?:token|secret|password|passwd|pwd|api[_-]?key|apikey|access[_-]?key|"
    r"secret[_-]?key|private[_-]?key|credentials?)$"
)
_SECRET_LIKE_CAMEL = re.compile(r"[a-z0-9](?:Token|Secret|Password|ApiKey|PrivateKey)$")


@dataclass(frozen=True)
class PlainSecretVariable:
    """An environment variable named like a credential but typed as plain text, holding a
    value: Dify exports and backs up its value in clear, unlike a ``secret`` variable."""

    index: int
    name: str
    value_type: str

    @property
    def path(self) -> TreePath:
        return (*ENVIRONMENT_PATH, self.index, "value_type")


def plain_variables_named_like_secrets(
    document: DslDocument | Mapping[str, Any],
) -> list[PlainSecretVariable]:
    """Environment variables named like a secret whose type is not ``secret`` and whose
    value is filled in (never the value itself)."""
    data = as_data(document)
    variables = get_path(data, ENVIRONMENT_PATH)
    found = []
    for index, variable in enumerate(variables if isinstance(variables, list) else []):
        if not isinstance(variable, Mapping) or variable.get("value_type") == "secret":
            continue
        name = as_str(variable.get("name"))
        value = variable.get("value")
        named_like_secret = _SECRET_LIKE_VARIABLE.search(name) or _SECRET_LIKE_CAMEL.search(name)
        if named_like_secret and isinstance(value, str) and looks_like_secret(value, min_length=4):
            found.append(PlainSecretVariable(index, name, as_str(variable.get("value_type"))))
    return found


def _node_specific_findings(payload: Mapping[str, Any], base: TreePath) -> Iterator[SecretFinding]:
    kind = payload.get("type")
    if kind == "http-request":
        api_key = get_path(payload, ("authorization", "config", "api_key"))
        if isinstance(api_key, str) and looks_like_secret(api_key, min_length=6):
            yield SecretFinding(
                (*base, "authorization", "config", "api_key"),
                "http-authorization",
                "HTTP request API key typed into the node (use an environment variable)",
            )
        for key in ("headers", "params"):
            text = payload.get(key)
            if isinstance(text, str):
                yield from _header_findings(text, (*base, key), key)
        yield from _form_field_findings(payload.get("body"), (*base, "body", "data"))
    if kind == "tool":
        secret_names = {
            as_str(schema.get("name"))
            for schema in payload.get("paramSchemas") or []
            if isinstance(schema, Mapping) and schema.get("type") == "secret-input"
        }
        for section in ("tool_parameters", "tool_configurations"):
            parameters = payload.get(section)
            if not isinstance(parameters, Mapping):
                continue
            for name in sorted(secret_names & {as_str(k) for k in parameters}):
                path, value = _parameter_value(parameters[name], (*base, section, name))
                if isinstance(value, str) and looks_like_secret(value, min_length=4):
                    yield SecretFinding(
                        path,
                        "tool-secret-parameter",
                        f"tool parameter '{name}' is declared secret-input and has a typed-in "
                        "value",
                    )


def _names_credential(name: str, section: str) -> bool:
    """A header or query parameter name that says its value is a credential: `X-Api-Key`
    or `Authorization` as a header, `api_key` or `token` as a parameter (as in a URL)."""
    if _CREDENTIAL_HEADER.match(name) or _CREDENTIAL_NAME.match(name):
        return True
    return section == "params" and bool(_CREDENTIAL_QUERY_NAME.match(name))


def _header_findings(text: str, path: TreePath, section: str) -> Iterator[SecretFinding]:
    """HTTP-request headers/params are ``name:value`` lines (dsl-format.md §3.2)."""
    offset = 0
    for line in text.splitlines(keepends=True):
        name, colon, value = line.partition(":")
        if colon and _names_credential(name.strip(), section):
            stripped = value.strip()
            if stripped.lower().startswith("bearer "):
                stripped = stripped[7:].strip()
            if stripped and looks_like_secret(stripped, min_length=8):
                start = offset + len(name) + 1 + value.index(stripped)
                yield SecretFinding(
                    path,
                    f"http-{section[:-1]}",
                    f"HTTP {section[:-1]} '{name.strip()}' carries a typed-in credential",
                    span=(start, start + len(stripped)),
                )
        offset += len(line)


def _form_field_findings(body: Any, path: TreePath) -> Iterator[SecretFinding]:
    """Form bodies (`form-data`, `x-www-form-urlencoded`) are ``{key, type, value}`` fields:
    a text field named like a credential with a typed-in value is one."""
    fields = body.get("data") if isinstance(body, Mapping) else None
    for index, item in enumerate(fields if isinstance(fields, list) else []):
        if not isinstance(item, Mapping) or item.get("type", "text") != "text":
            continue
        name, value = as_str(item.get("key")).strip(), item.get("value")
        if (
            _names_credential(name, "params")
            and isinstance(value, str)
            and looks_like_secret(value, min_length=8)
        ):
            yield SecretFinding(
                (*path, index, "value"),
                "http-form-field",
                f"HTTP form field '{name}' carries a typed-in credential",
            )


def _parameter_value(value: Any, path: TreePath) -> tuple[TreePath, Any]:
    """Tool/agent parameters are either the value or ``{type: constant|mixed, value: …}``."""
    if isinstance(value, Mapping) and "value" in value:
        if value.get("type") == "variable":
            return path, None
        return (*path, "value"), value.get("value")
    return path, value


def _named_findings(value: Any, base: TreePath) -> Iterator[SecretFinding]:
    """Entries whose key names a credential (``api_key``, ``password`` …) with a typed-in value."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            path: TreePath = (*base, key)
            if isinstance(key, str) and _CREDENTIAL_NAME.match(key):
                value_path, text = _parameter_value(item, path)
                if isinstance(text, str) and looks_like_secret(text):
                    yield SecretFinding(
                        value_path,
                        "credential-parameter",
                        f"'{key}' has a typed-in credential",
                    )
                    continue
            yield from _named_findings(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _named_findings(item, (*base, index))


def _string_findings(value: Any, base: TreePath) -> Iterator[SecretFinding]:
    """Token-shaped strings, literal bearer tokens and credentials in URL query strings."""
    for path, text in iter_strings(value, base):
        if len(text) < 12:
            continue
        for match in _TOKEN_FORMATS.finditer(text):
            if looks_like_secret(match.group(0)):
                yield SecretFinding(
                    path, "token", "looks like an API key or access token", span=match.span()
                )
        for pattern, kind, description in (
            (_BEARER, "bearer-token", "literal bearer token"),
            (_URL_CREDENTIAL, "url-credential", "credential in a URL query string"),
        ):
            for match in pattern.finditer(text):
                if looks_like_secret(match.group(1)):
                    yield SecretFinding(path, kind, description, span=match.span(1))
