"""What the leaks suite plants and where it looks (issue 14, suite 3).

A canary is a unique random string put where a secret can sit: a secret environment
variable, an HTTP node's `Authorization: Bearer …` header, an API key in a URL, in the
node's query parameters (`api_key:…`), in its form body or its API-key authorization, a
tool's secret-input parameter, an agent tool's credential, a key typed into a code node,
the bearer token, an invitation link. The suite then runs the
commands and flows and looks for every canary in every place their output can end up.
A found canary is reported by its label and the place it was found in — never its value.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.support.emulator import DEMO, EmulatorHandle

DEV_TRIAGE = DEMO.app_id(101)
DEV_DIGEST = DEMO.app_id(102)
DEV_AGENT = DEMO.app_id(105)
PROD_TRIAGE = DEMO.app_id(201)
PROMOTED = ("Support Ticket Triage", "Release Notes Digest", "Market Research Agent")
INVITEES = ("hedy@acme.example", "ida@acme.example")
# A canary also counts as found when only its head or its tail shows (a display that
# shortens a token to its first characters, say).
_WINDOW = 12


def new_canary(shape: str = "plain") -> str:
    """A random value no output could hold by chance, shaped like the secret it stands
    for (hex only: no placeholder word such as "example" or "todo" can appear in it)."""
    if shape == "openai":
        return "sk-proj-" + secrets.token_hex(14)
    return "cnry" + secrets.token_hex(12)


@dataclass
class Canaries:
    """label → value of every canary a part planted; `sides` says which of them sit in
    the apps of which side ("dev" or "prod"). Its repr names labels only, so an assertion
    that fails never prints a value."""

    values: dict[str, str] = field(default_factory=dict, repr=False)
    sides: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, label: str, value: str, *, side: str | None = None) -> str:
        if label in self.values:
            raise ValueError(f"canary {label!r} planted twice")
        self.values[label] = value
        if side is not None:
            self.sides[label] = side
        return value

    def in_apps(self, side: str) -> list[str]:
        """Labels of the canaries planted in the apps of `side`."""
        return [label for label, where in self.sides.items() if where == side]

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Canaries({', '.join(self.values)})"


def plant(emulator: EmulatorHandle, canaries: Canaries) -> None:
    """Put a canary in every place of the demo's apps where Dify keeps a secret."""
    _edit(emulator, DEV_TRIAGE, lambda data: _triage(data, canaries, "dev"))
    _edit(emulator, PROD_TRIAGE, lambda data: _triage(data, canaries, "prod"))
    _edit(emulator, DEV_DIGEST, lambda data: _digest(data, canaries))
    _edit(emulator, DEV_AGENT, lambda data: _agent(data, canaries))


def _edit(emulator: EmulatorHandle, app_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(emulator.export(app_id, include_secret=True))
    change(data)
    emulator.admin.edit_app(app_id, yaml=yaml.safe_dump(data, allow_unicode=True))


def _node(data: dict[str, Any], node_type: str) -> dict[str, Any]:
    nodes = data["workflow"]["graph"]["nodes"]
    found: dict[str, Any] = next(n["data"] for n in nodes if n["data"]["type"] == node_type)
    return found


def _triage(data: dict[str, Any], canaries: Canaries, side: str) -> None:
    # The secret environment variable (exported only with include_secret) and a header
    # the two sides hold different values of: a rotated credential to promote.
    (variable,) = [
        v for v in data["workflow"]["environment_variables"] if v["value_type"] == "secret"
    ]
    variable["value"] = canaries.add(f"secret env var ({side})", new_canary(), side=side)
    http = _node(data, "http-request")
    header = canaries.add(f"HTTP X-Api-Key header ({side})", new_canary(), side=side)
    http["headers"] = f"{http.get('headers') or ''}\nX-Api-Key: {header}".strip()


def _digest(data: dict[str, Any], canaries: Canaries) -> None:
    http = _node(data, "http-request")
    bearer = canaries.add("HTTP Authorization: Bearer header", new_canary(), side="dev")
    http["headers"] = f"Accept:application/vnd.github+json\nAuthorization: Bearer {bearer}"
    in_url = canaries.add("API key in a URL", new_canary(), side="dev")
    http["url"] += f"?api_key={in_url}"
    in_params = canaries.add("api_key: query param", new_canary(), side="dev")
    http["params"] = f"per_page:{{{{#start.count#}}}}\napi_key:{in_params}"
    form = canaries.add("HTTP form-body field", new_canary(), side="dev")
    http["body"] = {
        "type": "x-www-form-urlencoded",
        "data": [{"key": "client_secret", "type": "text", "value": form}],
    }
    api_key = canaries.add("HTTP node API-key authorization", new_canary(), side="dev")
    http["authorization"] = {
        "type": "api-key",
        "config": {"type": "custom", "header": "X-Token", "api_key": api_key},
    }
    tool = _node(data, "tool")
    tool["paramSchemas"] = [
        {"name": "api_key", "type": "secret-input", "label": {"en_US": "API key"}, "form": "form"}
    ]
    tool["tool_parameters"]["api_key"] = {
        "type": "mixed",
        "value": canaries.add("tool secret-input parameter", new_canary(), side="dev"),
    }
    code = _node(data, "code")
    key = canaries.add("key typed into a code node", new_canary("openai"), side="dev")
    code["code"] = f'API_KEY = "{key}"\n\n' + code["code"]


def _agent(data: dict[str, Any], canaries: Canaries) -> None:
    tool = data["model_config"]["agent_mode"]["tools"][0]
    tool["tool_parameters"]["api_key"] = canaries.add(
        "agent tool credential", new_canary(), side="dev"
    )


def invite_links(path: Path) -> dict[str, str]:
    """e-mail → invitation link, from an `--invite-urls` file (`email<TAB>link` lines)."""
    links = {}
    for line in path.read_text().splitlines():
        email, _, link = line.partition("\t")
        links[email] = link
    return links


def invite_token(link: str) -> str:
    """The secret part of an invitation link: its token."""
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


# -- where to look --------------------------------------------------------------------------


def git_history(repo: Path) -> str:
    """Every commit of every ref, patches included (`git log -p --all`), and the reflog's."""
    if not (repo / ".git").exists():
        return ""
    return _git(repo, "log", "-p", "--all", "--reflog", "--format=%H %an <%ae>%n%B")


def git_objects(repo: Path) -> str:
    """The content of every object in the repository, reachable from a ref or not (a blob
    written and then dropped stays on disk until git collects it)."""
    if not (repo / ".git").exists():
        return ""
    listed = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch"],
        check=True,
        capture_output=True,
    ).stdout
    return listed.decode("utf-8", errors="replace")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def files_under(root: Path, *, skip: Iterable[Path] = ()) -> str:
    """The text of every file below `root` but git's compressed objects (read through
    `git_objects`) and the paths in `skip`."""
    skipped = {path.resolve() for path in skip}
    texts = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.resolve() in skipped:
            continue
        if path.relative_to(root).parts[:2] == (".git", "objects"):
            continue
        texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


@dataclass(frozen=True)
class Found:
    canary: str
    place: str


@dataclass(repr=False)
class Haystack:
    """Each place output can end up in, with its text."""

    places: dict[str, list[str]] = field(default_factory=dict)
    # place → canary labels that place may hold (the one place made for them)
    allowed: dict[str, set[str]] = field(default_factory=dict)

    def add(self, place: str, *texts: str) -> None:
        self.places.setdefault(place, []).extend(texts)

    def allow(self, place: str, *labels: str) -> None:
        self.allowed.setdefault(place, set()).update(labels)

    def holds(self, place: str, text: str) -> bool:
        """Whether `place` holds `text`: that a place searched is the one meant."""
        return any(text in chunk for chunk in self.places.get(place, []))

    def search(self, canaries: Canaries) -> list[Found]:
        found = []
        for place, texts in self.places.items():
            text = "\n".join(texts)
            for label, value in canaries.values.items():
                if label in self.allowed.get(place, set()):
                    continue
                # Its head or its tail: the whole value holds both.
                if value[:_WINDOW] in text or value[-_WINDOW:] in text:
                    found.append(Found(label, place))
        return found


def figure(found: list[Found], canaries: Canaries, places: int) -> str:
    """`0 of 14 canaries in 9 places`, then which canary showed where (labels, not values)."""
    leaked = sorted({f.canary for f in found})
    line = f"{len(leaked)} of {len(canaries)} canaries in {places} places"
    if found:
        line += ": " + "; ".join(f"{f.canary} in {f.place}" for f in found)
    return line


@dataclass
class Ledger:
    """The suite's total over its parts (each test adds its part and records the total)."""

    canaries: int = 0
    places: int = 0
    leaked: int = 0

    def add(self, canaries: Canaries, places: int, found: list[Found]) -> str:
        self.canaries += len(canaries)
        self.places += places
        self.leaked += len({f.canary for f in found})
        return f"{self.leaked} of {self.canaries} canaries in {self.places} places"


def private_store(config_dir: Path, name: str = "credentials.json") -> str:
    """`0600 file in 0700 dir`, as the token store's modes are."""
    file_mode = stat.S_IMODE((config_dir / name).stat().st_mode)
    dir_mode = stat.S_IMODE(config_dir.stat().st_mode)
    return f"{file_mode:04o} file in {dir_mode:04o} dir"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted holds nothing to find
            self.lines.append(f"{record.name} unformattable record")


@contextlib.contextmanager
def every_log_record(*verbose: str) -> Iterator[list[str]]:
    """Every record any logger emits, at DEBUG, as formatted lines; the `verbose` loggers
    (Prefect's run loggers, which ship their records to the server) log at DEBUG too.

    pytest's own capture handlers are taken off the root logger meanwhile: a failing run
    would print what they captured, and that may be a planted secret; the failure names
    labels and places instead.
    """
    levels = {name: logging.getLogger(name).level for name in verbose}
    for name in verbose:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        with _root_at_debug() as lines:
            yield lines
    finally:
        for name, was in levels.items():
            logging.getLogger(name).setLevel(was)


@contextlib.contextmanager
def _root_at_debug() -> Iterator[list[str]]:
    root = logging.getLogger()
    handler = _Lines()
    pytests = [h for h in root.handlers if type(h).__name__ in _PYTEST_HANDLERS]
    # The root's other handlers (Prefect's console) go on seeing what they saw before.
    others = {h: h.level for h in root.handlers if h not in pytests}
    level = root.level
    for other in pytests:
        root.removeHandler(other)
    for other, was in others.items():
        other.setLevel(max(was, level))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for other, was in others.items():
            other.setLevel(was)
        for other in pytests:
            root.addHandler(other)


_PYTEST_HANDLERS = ("LogCaptureHandler", "_LiveLoggingNullHandler", "_FileHandler")


def scrub(text: str, canaries: Canaries) -> str:
    """`text` with each canary replaced by its label, for a failure message."""
    for label, value in canaries.values.items():
        text = text.replace(value, f"<{label}>")
    return text


def private_files(directory: Path) -> list[str]:
    """The mode of each file in `directory`, as `0600`."""
    return [f"{stat.S_IMODE(path.stat().st_mode):04o}" for path in sorted(directory.iterdir())]


def publish_then_edit(emulator: EmulatorHandle, app_id: str) -> None:
    """Publish the app with its canaries, then edit its draft: the live version differs."""
    emulator.admin.publish(app_id)
    retitle_llm(emulator, app_id, "Write the digest")


def retitle_llm(emulator: EmulatorHandle, app_id: str, title: str) -> None:
    """A console edit of the app: its LLM node gets another title."""
    _edit(emulator, app_id, lambda data: _node(data, "llm").update(title=title))


def app_named(emulator: EmulatorHandle, workspace_id: str, name: str) -> str:
    """The id of the app of that name in the workspace."""
    with emulator.client(emulator.admin.token()) as http:
        listed = http.get("/apps", params={"workspace_id": workspace_id, "limit": 100})
    (app_id,) = [app["id"] for app in listed.json()["data"] if app["name"] == name]
    return str(app_id)


def what_the_runs_left(flow_run_ids: list[Any]) -> tuple[list[str], list[str]]:
    """The artifacts and the log messages of these flow runs (and their task runs), every
    page of them: a session's other runs are not searched, nor cut off at a page."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    runs = FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids))
    logs = LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids))
    artifacts: list[str] = []
    messages: list[str] = []
    with get_client(sync_client=True) as client:
        while page := client.read_artifacts(
            flow_run_filter=runs, limit=_PAGE, offset=len(artifacts)
        ):
            artifacts += [str(artifact.data) for artifact in page]
        while page := client.read_logs(log_filter=logs, limit=_PAGE, offset=len(messages)):
            messages += [log.message for log in page]
    return artifacts, messages


_PAGE = 200
