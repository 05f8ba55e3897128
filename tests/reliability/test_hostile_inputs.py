"""Hostile input (issue 14, suite 4): bad files through the real CLI, and fuzzed loaders.

Table: each named bad input goes through the command a person would give it to (members
and promotion manifests, DSLs, plan files), each in its own forked process of the real CLI
(`_hostile_support.ForkServer`) under an address-space limit. Each must end with the exit
code documented for that command, ONE located error line (the file, with line and column
where there is one) and a hint, no traceback, bounded memory, and no write to the server
(the emulator's request counters). Figure: inputs tried, crashes, max RSS.

Fuzz: hypothesis feeds generated texts to the members manifest loader, the promotion
manifest loader, the DSL loader/normaliser/diff and the plan-file readers: every input
loads or raises the project's own located error with a hint, never another exception.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from difyops.commands.members import _read_members_plan
from difyops.commands.promote import _reviewed_request
from difyops.exceptions import UsageError
from dsl import DslError, DslParseError, diff_documents, load_text, normalize, render_text
from emulator.server import EmulatorServer
from reconcile.errors import ManifestError
from reconcile.members.loader import load_manifest
from reconcile.promotion.manifest import load_promotion_section
from tests.dsl.test_hostile_yaml import alias_bomb, deep_flow
from tests.reliability._hostile_support import ESCAPED, ForkServer, Outcome
from tests.support import figures
from tests.support.emulator import ADMIN_TOKEN, AdminClient

SUITE = "hostile inputs"
WORKFLOW = Path(__file__).parents[1] / "dsl" / "fixtures" / "workflow_app.yml"
MIB = 1024 * 1024
# Address space each input's process may add to the fork server's (RLIMIT_AS).
HEADROOM = 768 * MIB
# What the process running one input may hold at most (the server itself is ~100 MiB).
MAX_RSS_MIB = 400
LATIN1 = "café".encode("latin-1")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4

MEMBERS = (
    "version: 1\n"
    "workspaces:\n"
    "  - name: Acme Dev\n"
    "    members:\n"
    "      - {email: ada@acme.example, role: owner}\n"
    "      - {email: zed@acme.example, role: normal}\n"
)
PROMOTION = (
    "version: 1\n"
    "promotion:\n"
    "  source: {workspace: Acme Dev}\n"
    "  target: {workspace: Acme Prod}\n"
    "  apps: [Policy Helpdesk]\n"
)


@dataclass
class Inputs:
    """Where a case writes its file, and the valid plans it may tamper with."""

    dir: Path
    members_plan: dict[str, Any]
    promotion_plan: dict[str, Any]
    other_server_members_plan: Path
    other_server_promotion_plan: Path
    other_account_members_plan: Path

    def file(self, name: str, content: str | bytes) -> str:
        path = self.dir / name
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return str(path)

    def json_file(self, name: str, data: Any) -> str:
        return self.file(name, json.dumps(data, indent=2))


@dataclass(frozen=True)
class Case:
    name: str
    args: Callable[[Inputs], list[str]]
    code: int  # the exit code the command documents for it
    says: str  # a piece of the error line
    # Where the line points: True at FILE:line:column, False at FILE; None at no file, for
    # a well-formed plan that is refused because it is not the one the server would carry
    # out now (the line names what differs: the server, the account, the apps).
    located: bool | None = True


# -- commands ---------------------------------------------------------------------------


def members_plan(name: str, content: str | bytes | Callable[[], str | bytes]) -> Any:
    def args(inputs: Inputs) -> list[str]:
        text = content() if callable(content) else content
        return ["members", "plan", "-f", inputs.file(name, text)]

    return args


def promote_plan(name: str, content: str | bytes | Callable[[], str | bytes]) -> Any:
    def args(inputs: Inputs) -> list[str]:
        text = content() if callable(content) else content
        return ["promote", "plan", "--manifest", inputs.file(name, text)]

    return args


def dsl_command(*command: str, name: str, content: str | bytes | Callable[[], str | bytes]) -> Any:
    def args(inputs: Inputs) -> list[str]:
        text = content() if callable(content) else content
        path = inputs.file(name, text)
        if command == ("dsl", "diff"):
            return [*command, str(WORKFLOW), path]
        if command == ("apps", "import"):
            return [*command, path, "-w", "Acme Dev"]
        return [*command, path]

    return args


def members_apply(make: Callable[[Inputs], str]) -> Any:
    return lambda inputs: ["members", "apply", "--plan", make(inputs)]


def promote_apply(make: Callable[[Inputs], str]) -> Any:
    return lambda inputs: ["promote", "apply", "--plan", make(inputs)]


def edited(which: str, name: str, edit: Callable[[dict[str, Any]], None]) -> Any:
    def make(inputs: Inputs) -> str:
        data = json.loads(json.dumps(getattr(inputs, which)))
        edit(data)
        return inputs.json_file(name, data)

    return make


def raw(name: str, content: str | bytes | Callable[[Inputs], str | bytes]) -> Any:
    return lambda inputs: inputs.file(name, content(inputs) if callable(content) else content)


# -- contents ---------------------------------------------------------------------------


def many_invites(size: int) -> Callable[[], str]:
    """A well-formed members manifest of `size` bytes (tens of thousands of invites)."""

    def text() -> str:
        head = MEMBERS
        line = "      - {email: user%07d@acme.example, role: normal}\n"
        count = (size - len(head)) // len(line % 0) + 1
        return head + "".join(line % i for i in range(count))

    return text


def padded_dsl(size: int) -> Callable[[], str]:
    return lambda: WORKFLOW.read_text(encoding="utf-8") + "filler: '" + "x" * size + "'\n"


def members_role(role: str) -> str:
    return MEMBERS.replace("role: normal", f"role: {role}")


def _set_role(data: dict[str, Any]) -> None:
    # Invite zed as an admin instead of a normal member: the checksum is left as written.
    for plan in data["plans"]:
        for item in plan["items"]:
            if item["email"] == "zed@acme.example":
                item["desired_role"] = "admin"


def _members_version(data: dict[str, Any]) -> None:
    data["format"] = 99


def _promotion_action(data: dict[str, Any]) -> None:
    data["apps"][0]["action"] = "recreate"


def _promotion_version(data: dict[str, Any]) -> None:
    data["version"] = 99


def _padded_plan(data: dict[str, Any]) -> None:
    data["padding"] = "x" * (50 * MIB)


def _truncated(which: str) -> Callable[[Inputs], str]:
    def text(inputs: Inputs) -> str:
        whole = json.dumps(getattr(inputs, which), indent=2)
        return whole[: len(whole) // 2]

    return text


CASES = [
    # members manifests: `members plan -f FILE`, exit 1 for any manifest error
    Case(
        "members: wrong type",
        members_plan("m.yml", MEMBERS.split("    members:", maxsplit=1)[0] + "    members: 42\n"),
        1,
        "`members` must be a list",
    ),
    Case(
        "members: unknown key",
        members_plan("m.yml", MEMBERS.replace("    members:", "    purge: true\n    members:")),
        1,
        "unknown key 'purge'",
    ),
    Case(
        "members: duplicate email (case)",
        members_plan("m.yml", MEMBERS + "      - {email: ZED@Acme.Example, role: admin}\n"),
        1,
        "duplicate email 'zed@acme.example'",
    ),
    Case("members: alias bomb", members_plan("m.yml", alias_bomb), 1, "alias bomb"),
    Case("members: 10k-deep nesting", members_plan("m.yml", deep_flow), 1, "nests deeper than 200"),
    Case(
        "members: not UTF-8",
        members_plan("m.yml", MEMBERS.encode() + b"# " + LATIN1 + b"\n"),
        1,
        "not UTF-8",
    ),
    Case(
        "members: tabs",
        members_plan("m.yml", MEMBERS.replace("    members:", "\tmembers:")),
        1,
        "tab",
    ),
    Case(
        "members: truncated",
        members_plan("m.yml", MEMBERS[: MEMBERS.rindex("role:") + 2]),
        1,
        "invalid YAML",
    ),
    Case("members: binary", members_plan("m.png", PNG), 1, "not UTF-8"),
    Case("members: empty", members_plan("m.yml", ""), 1, "must be a mapping", located=False),
    Case(
        "members: 5,000-digit number",
        members_plan("m.yml", MEMBERS.replace("version: 1", "version: " + "9" * 5000)),
        1,
        "is not a valid int",
    ),
    Case(
        "members: bad !!bool",
        members_plan("m.yml", members_role("!!bool maybe")),
        1,
        "'maybe' is not a valid bool",
    ),
    Case("members: 10 MB", members_plan("m.yml", many_invites(10 * MIB + 1)), 1, "10 MB"),
    Case("members: 50 MB", members_plan("m.yml", many_invites(50 * MIB)), 1, "10 MB"),
    Case(
        "members: a directory",
        lambda inputs: ["members", "plan", "-f", str(inputs.dir)],
        2,
        "is a directory",
        located=False,
    ),
    # promotion manifests: `promote plan --manifest FILE`, exit 1
    Case(
        "promotion: wrong type",
        promote_plan("p.yml", PROMOTION.replace("apps: [Policy Helpdesk]", "apps: {a: 1}")),
        1,
        "promotion.apps",
    ),
    Case(
        "promotion: unknown key",
        promote_plan("p.yml", PROMOTION + "  modez: [workflow]\n"),
        1,
        "promotion.modez: unknown key",
    ),
    Case(
        "promotion: alias bomb",
        promote_plan("p.yml", lambda: alias_bomb().replace("bomb:", "promotion:", 1)),
        1,
        "alias bomb",
    ),
    Case("promotion: not UTF-8", promote_plan("p.yml", PROMOTION.encode() + LATIN1), 1, "UTF-8"),
    Case(
        "promotion: bad timestamp",
        promote_plan("p.yml", PROMOTION + "  when: !!timestamp 2026-13-45\n"),
        1,
        "'2026-13-45' is not a valid timestamp",
    ),
    Case(
        "promotion: 50 MB",
        promote_plan("p.yml", lambda: PROMOTION + "# " + "x" * (50 * MIB) + "\n"),
        1,
        "10 MB",
    ),
    Case(
        "promotion: a directory",
        lambda inputs: ["promote", "plan", "--manifest", str(inputs.dir)],
        2,
        "cannot read the manifest",
        located=False,
    ),
    # DSLs: `dsl check` exits 1 on errors, `dsl diff` 2 on trouble, `apps import` 1
    Case(
        "dsl check: alias bomb",
        dsl_command("dsl", "check", name="a.yml", content=alias_bomb),
        1,
        "alias bomb",
    ),
    Case(
        "dsl check: 5,000-digit number",
        dsl_command(
            "dsl",
            "check",
            name="a.yml",
            content=lambda: WORKFLOW.read_text(encoding="utf-8") + "size: " + "9" * 5000 + "\n",
        ),
        1,
        "is not a valid int",
    ),
    Case(
        "dsl diff: 10k-deep nesting",
        dsl_command("dsl", "diff", name="a.yml", content=deep_flow),
        2,
        "nests deeper",
    ),
    Case(
        "dsl diff: truncated export body",
        dsl_command("dsl", "diff", name="a.json", content='{"data": "app:\\n  mode: wor'),
        2,
        "invalid YAML",
    ),
    Case("dsl diff: binary", dsl_command("dsl", "diff", name="a.png", content=PNG), 2, "not UTF-8"),
    Case(
        "dsl diff: a directory",
        lambda inputs: ["dsl", "diff", str(WORKFLOW), str(inputs.dir)],
        2,
        "cannot read file",
        located=False,
    ),
    Case(
        "apps import: empty",
        dsl_command("apps", "import", name="a.yml", content=""),
        1,
        "the DSL is empty",
    ),
    Case(
        "apps import: 50 MB",
        dsl_command("apps", "import", name="a.yml", content=padded_dsl(50 * MIB)),
        1,
        "10 MB",
    ),
    Case(
        "apps import: alias bomb",
        dsl_command("apps", "import", name="a.yml", content=alias_bomb),
        1,
        "alias bomb",
    ),
    # plan files: `apply --plan FILE`; a file that is not a plan is a usage error (2), a
    # plan that is not the one the server would carry out now is refused (1)
    Case(
        "members plan: edited by hand",
        members_apply(edited("members_plan", "mp.json", _set_role)),
        2,
        "was edited after it was written",
        located=False,
    ),
    Case(
        "members plan: unknown format",
        members_apply(edited("members_plan", "mp.json", _members_version)),
        2,
        "members plan",
        located=False,
    ),
    Case(
        "members plan: from another server",
        lambda inputs: ["members", "apply", "--plan", str(inputs.other_server_members_plan)],
        1,
        "the plan was made on http://127.0.0.1:",
        located=None,
    ),
    Case(
        "members plan: from another account",
        lambda inputs: ["members", "apply", "--plan", str(inputs.other_account_members_plan)],
        1,
        "the plan was made by grace@acme.example, this run acts as ada@acme.example",
        located=None,
    ),
    Case(
        "members plan: truncated",
        members_apply(raw("mp.json", _truncated("members_plan"))),
        2,
        "not valid JSON",
    ),
    Case(
        "members plan: 5,000-digit number",
        members_apply(
            raw("mp.json", '{"kind": "difyops.members-plan", "format": ' + "9" * 5000 + "}")
        ),
        2,
        "a number too long",
        located=False,
    ),
    Case("members plan: binary", members_apply(raw("mp.json", PNG)), 2, "UTF-8"),
    Case(
        "promotion plan: edited by hand",
        promote_apply(edited("promotion_plan", "pp.json", _promotion_action)),
        2,
        "was edited after it was written",
        located=False,
    ),
    Case(
        "promotion plan: unknown version",
        promote_apply(edited("promotion_plan", "pp.json", _promotion_version)),
        2,
        "version 99",
        located=False,
    ),
    Case(
        "promotion plan: from another server",
        lambda inputs: ["promote", "apply", "--plan", str(inputs.other_server_promotion_plan)],
        1,
        "the plan is stale",
        located=None,
    ),
    Case(
        "promotion plan: 10k-deep nesting",
        promote_apply(raw("pp.json", "[" * 10_000 + "]" * 10_000)),
        2,
        "nests too deeply",
        located=False,
    ),
    Case(
        "promotion plan: not UTF-8",
        promote_apply(raw("pp.json", b'{"kind": "' + LATIN1 + b'"}')),
        2,
        "UTF-8",
    ),
    Case("promotion plan: empty", promote_apply(raw("pp.json", "")), 2, "not valid JSON"),
    Case(
        "promotion plan: 50 MB",
        promote_apply(edited("promotion_plan", "pp.json", _padded_plan)),
        2,
        "was edited after it was written",
        located=False,
    ),
    Case(
        "promotion plan: a directory",
        lambda inputs: ["promote", "apply", "--plan", str(inputs.dir)],
        2,
        "is a directory",
        located=False,
    ),
]


# -- fixtures ---------------------------------------------------------------------------


def _environment(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIFY_", "DIFYOPS_"))}
    env.update(
        DIFYOPS_CONFIG_DIR=str(config),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        COLUMNS="200",
    )
    return env


@dataclass
class Bench:
    server: ForkServer
    admin: AdminClient
    env: dict[str, str]
    inputs: Inputs


@pytest.fixture(scope="module")
def bench(
    emulator_server: EmulatorServer,
    _emulator_admin: AdminClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Bench]:
    base = tmp_path_factory.mktemp("hostile")
    _emulator_admin.reset("demo")
    env = {
        "DIFY_SERVER": emulator_server.base_url,
        "DIFY_TOKEN": _emulator_admin.token("ada@acme.example"),
    }
    other = EmulatorServer(seed="demo", admin_token=ADMIN_TOKEN)
    other.start()
    other_admin = AdminClient(other.base_url)
    server = ForkServer(_environment(base / "config"))
    try:
        files = base / "valid"
        files.mkdir()
        (files / "members.yml").write_text(MEMBERS, encoding="utf-8")
        (files / "promotion.yml").write_text(PROMOTION, encoding="utf-8")

        def plan(name: str, command: list[str], **where: str) -> Path:
            path = files / name
            made = server.run(*command, "--out", str(path), env={**env, **where})
            assert made.code == 0, made.stderr
            return path

        members = ["members", "plan", "-f", str(files / "members.yml")]
        promotion = ["promote", "plan", "--manifest", str(files / "promotion.yml")]
        elsewhere = {
            "DIFY_SERVER": other.base_url,
            "DIFY_TOKEN": other_admin.token("ada@acme.example"),
        }
        grace = {"DIFY_TOKEN": _emulator_admin.token("grace@acme.example")}
        inputs = Inputs(
            dir=base / "inputs",
            members_plan=json.loads(plan("members.json", members).read_text()),
            promotion_plan=json.loads(plan("promotion.json", promotion).read_text()),
            other_server_members_plan=plan("members-b.json", members, **elsewhere),
            other_server_promotion_plan=plan("promotion-b.json", promotion, **elsewhere),
            other_account_members_plan=plan("members-grace.json", members, **grace),
        )
        inputs.dir.mkdir()
        yield Bench(server, _emulator_admin, env, inputs)
    finally:
        server.close()
        other_admin.close()
        other.stop()


# -- the table --------------------------------------------------------------------------


@dataclass
class Tally:
    tried: int = 0
    crashes: int = 0
    max_rss_mib: float = 0.0

    def line(self) -> str:
        return f"{self.tried} tried, {self.crashes} crashes, max RSS {self.max_rss_mib:.0f} MiB"


TALLY = Tally()
BUG_WORDS = ("Traceback", "This is a bug", "unexpected error", "MemoryError", "RecursionError")


def crashed(outcome: Outcome) -> bool:
    """The CLI did not handle the input: an exception escaped, a signal killed it, or it
    rendered an unexpected error."""
    text = outcome.stdout + outcome.stderr
    return outcome.code == ESCAPED or outcome.code < 0 or any(w in text for w in BUG_WORDS)


def error_lines(case: Case, outcome: Outcome) -> tuple[list[str], list[str]]:
    """(error lines, hint lines) the command printed for the input."""
    stream = outcome.stdout if _is_check(case) else outcome.stderr
    lines = stream.strip().splitlines()
    if _is_check(case):  # the check's report: `file:line:column: error: what; hint`
        errors = [line for line in lines if ": error: " in line]
        hints = [line for line in errors if "; " in line.split(": error: ", 1)[1]]
        return errors, hints
    if outcome.code == 2 and lines and lines[0].startswith("Usage: "):
        # Click's own usage errors (a directory given for a file), framed by Typer: the
        # message in an "Error" panel, `Try 'difyops … -h' for help.` as the hint.
        errors = [line.strip("│ ") for line in lines if line.startswith("│")]
        hints = [line for line in lines if line.startswith("Try '")]
        return errors, hints
    errors = [line for line in lines if line.startswith("error: ")]
    hints = [line for line in lines if line.startswith("hint: ")]
    return errors, hints


def _is_check(case: Case) -> bool:
    return case.name.startswith("dsl check")


def writes(stats: dict[str, int]) -> dict[str, int]:
    return {route: count for route, count in stats.items() if not route.startswith("GET ")}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_input_ends_in_one_located_line_and_a_hint(bench: Bench, case: Case) -> None:
    args = case.args(bench.inputs)
    bench.admin.reset_stats()
    outcome = bench.server.run(*args, env=bench.env, cwd=bench.inputs.dir, headroom=HEADROOM)
    made = writes(bench.admin.stats())
    if made:  # the next inputs must meet the state the plans were made against
        bench.admin.reset("demo")
        bench.env["DIFY_TOKEN"] = bench.admin.token("ada@acme.example")
    for path in bench.inputs.dir.iterdir():  # the 50 MB files go as soon as they are read
        path.unlink()
    TALLY.tried += 1
    TALLY.crashes += crashed(outcome)
    TALLY.max_rss_mib = max(TALLY.max_rss_mib, outcome.max_rss_mib)
    figures.record(SUITE, "", TALLY.line())

    shown = f"exit {outcome.code}\nstdout: {outcome.stdout[:2000]}\nstderr: {outcome.stderr[:2000]}"
    assert not crashed(outcome), shown
    assert outcome.code == case.code, shown
    errors, hints = error_lines(case, outcome)
    assert len(errors) == 1 and hints, shown
    if case.located is not None:
        pattern = re.escape(_file_argument(args)) + (r":\d+:\d+: " if case.located else r"\b")
        assert re.search(pattern, errors[0]), shown
    assert case.says in errors[0], shown
    assert outcome.max_rss_mib < MAX_RSS_MIB, shown
    assert made == {}, f"the server was written to: {made}"


def test_the_memory_limit_is_real(bench: Bench) -> None:
    # The harness itself: with a few MiB of headroom, parsing a 9 MB DSL cannot allocate,
    # and that is reported as the crash it would be (so a runaway input fails the table).
    path = bench.inputs.file("big.yml", padded_dsl(9 * MIB)())
    outcome = bench.server.run("dsl", "check", path, env=bench.env, headroom=8 * MIB)
    Path(path).unlink()
    assert crashed(outcome) and "MemoryError" in outcome.stdout + outcome.stderr, outcome


def _file_argument(args: list[str]) -> str:
    """The hostile file of a command line (the last path that is not the good DSL)."""
    paths = [a for a in args if a.startswith("/") and a != str(WORKFLOW)]
    return paths[-1]


# -- the fuzz ---------------------------------------------------------------------------
#
# Two kinds of generated input per loader: the text of a valid file with hostile edits
# spliced in (anchors, aliases, tags, tabs, brackets, huge numbers, control characters,
# truncation), and the data of a valid file with one subtree replaced by arbitrary data
# (wrong types, deep lists, odd keys), written out again. The property is the same for
# both: the loader returns, or raises the project's own error with a place and a hint.

SNIPPETS = (
    "&a ", "*a", "*b", "<<: *a", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!binary ",
    "!!set ", "!!omap ", "!!python/name:os.system ", "!<tag:x> ", "\t", "[", "]", "{", "}",
    "? ", ": ", "- ", "---\n", "...\n", "%YAML 1.1\n", "#", "'", '"', "\\", "\x00", "\x1b",
    "\ufeff", "\u2028", "\ud800", "09", "0x", "9" * 4400, "1e999", ".nan", "~", "null", "|",
    ">-", "\n", "  ", "é", "🙂",
)  # fmt: skip

FUZZ = {"examples": 0, "crashes": 0}
FUZZ_EXAMPLES = 250  # per loader and kind: 10 runs, about 15 s in all on a small machine


def fuzz_settings() -> Any:
    return settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _record_fuzz() -> None:
    line = f"{FUZZ['examples']:,} examples on 4 loaders, {FUZZ['crashes']} crashes"
    figures.record(SUITE, "hypothesis", line)


def hostile_text(base: str) -> Any:
    """A strategy: `base` with up to six hostile edits (splices, deletions, a truncation)."""
    edit = st.tuples(
        st.sampled_from(("insert", "delete", "truncate")),
        st.floats(0, 1),
        st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=8)),
    )

    def apply(edits: list[tuple[str, float, str]]) -> str:
        text = base
        for kind, where, snippet in edits:
            at = int(where * len(text))
            if kind == "insert":
                text = text[:at] + snippet + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + len(snippet) + 1 :]
            else:
                text = text[:at]
        return text

    return st.lists(edit, min_size=1, max_size=6).map(apply)


def hostile_data() -> Any:
    """A strategy of arbitrary YAML/JSON-able data, a few levels deep."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(("", "owner", "admin", "workflow", "1", "0.6.0", "Acme Dev", "a@b.c")),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
        ),
        max_leaves=12,
    )


def replaced_subtree(base: Any) -> Any:
    """A strategy: `base` (dicts and lists) with one subtree, chosen at random, replaced."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict | list):
            for key, child in node.items() if isinstance(node, dict) else enumerate(node):
                walk(child, (*path, key))

    walk(base, ())

    def replace(choice: tuple[tuple[Any, ...], Any]) -> Any:
        path, value = choice
        if not path:
            return value
        copy = json.loads(json.dumps(base))
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return copy

    return st.tuples(st.sampled_from(paths), hostile_data()).map(replace)


def dumped(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def fuzz_case(run: Callable[[], None], expected: tuple[type[BaseException], ...]) -> None:
    """Run one example: counted, and a crash (any exception but `expected`) recorded in
    the figure before it fails the test."""
    FUZZ["examples"] += 1
    try:
        run()
    except expected:
        pass
    except BaseException:
        FUZZ["crashes"] += 1
        _record_fuzz()
        raise
    _record_fuzz()


def located_with_hint(error: BaseException, source: str) -> None:
    if isinstance(error, DslParseError):  # rendered as `source:line:column: message`
        assert error.source == source and "\n" not in error.message, str(error)
        assert error.hint, f"no hint: {error}"
        return
    message = getattr(error, "message", str(error))
    for line in str(message).splitlines():
        assert re.match(re.escape(source) + r"(:\d+:\d+)?[: ]", line), message
    assert getattr(error, "hint", None), f"no hint: {message}"


def _members_load(text: str) -> None:
    try:
        load_manifest(text, source="m.yml")
    except ManifestError as error:
        located_with_hint(error, "m.yml")
        raise


def _promotion_load(text: str) -> None:
    try:
        load_promotion_section(text, source="p.yml")
    except ManifestError as error:
        located_with_hint(error, "p.yml")
        raise


def _dsl_load_normalise_diff(text: str) -> None:
    try:
        document = load_text(text, source="d.yml")
    except DslParseError as error:
        located_with_hint(error, "d.yml")
        raise
    # What loads must normalise, diff and render: `dsl diff` and backups walk it all.
    normalize(document)
    render_text(diff_documents(WORKFLOW_DOCUMENT, document))


WORKFLOW_TEXT = WORKFLOW.read_text(encoding="utf-8")
WORKFLOW_DOCUMENT = load_text(WORKFLOW_TEXT, source="base.yml")


# Hypothesis warns when the global `random` state moves while it draws; here that is
# another thread of the session (Prefect's or a server's, left by an earlier test), not
# these strategies, which use no `random`.
_OTHER_THREADS_RANDOM = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
)


@_OTHER_THREADS_RANDOM
@pytest.mark.parametrize("kind", ["text", "data"])
@pytest.mark.parametrize("loader", ["members", "promotion", "dsl"])
def test_fuzzed_files_load_or_fail_with_a_located_error(loader: str, kind: str) -> None:
    run, base, expected = {
        "members": (_members_load, MEMBERS, (ManifestError,)),
        "promotion": (_promotion_load, PROMOTION, (ManifestError,)),
        "dsl": (_dsl_load_normalise_diff, WORKFLOW_TEXT, (DslError,)),
    }[loader]
    strategy = (
        hostile_text(base) if kind == "text" else replaced_subtree(yaml.safe_load(base)).map(dumped)
    )

    @fuzz_settings()
    @given(strategy)
    def property_(text: str) -> None:
        fuzz_case(lambda: run(text), expected)

    property_()


@_OTHER_THREADS_RANDOM
@pytest.mark.parametrize("kind", ["text", "data"])
@pytest.mark.parametrize("which", ["members", "promotion"])
def test_fuzzed_plan_files_are_read_or_refused_as_usage_errors(
    bench: Bench, tmp_path: Path, which: str, kind: str
) -> None:

    base = bench.inputs.members_plan if which == "members" else bench.inputs.promotion_plan
    read = _read_members_plan if which == "members" else lambda path: _reviewed_request(path, {})
    text = json.dumps(base, indent=2)
    strategy = hostile_text(text) if kind == "text" else replaced_subtree(base).map(json.dumps)
    path = tmp_path / "plan.json"

    def run(content: str) -> None:
        path.write_bytes(content.encode("utf-8", errors="surrogatepass"))
        try:
            read(path)
        except UsageError as error:
            assert str(path) in error.message and error.hint, error.message
            raise

    @fuzz_settings()
    @given(strategy)
    def property_(content: str) -> None:
        fuzz_case(lambda: run(content), (UsageError,))

    property_()
