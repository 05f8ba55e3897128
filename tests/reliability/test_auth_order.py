"""The emulator's auth order (issue 14, suite 6): a table of named cases, each answered as
reference/dify-openapi-contract.md §1.3/§2.2 says the real server answers it, on both API
generations; then the operator API's hiding and the default bind address.

Every row runs over real HTTP on 127.0.0.1. A row answers None when the server did what
the contract says, else what differed; the figure counts the rows before anything is
asserted, so a failing run still says how many held.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import httpx
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as schemathesis_checks
from schemathesis.core.failures import Failure, FailureGroup

from emulator.server import EmulatorServer
from tests.emulator.test_schemathesis import PLAIN_VALUE, RUN, RUN_APP_IDS
from tests.support import figures
from tests.support.emulator import ADMIN_TOKEN, DEMO, EmulatorHandle

SUITE = "auth order"

ADA = "ada@acme.example"
GRACE = "grace@acme.example"  # admin of Acme Dev and Prod, not in Partner Lab
ALAN = "alan@acme.example"  # editor in Acme Dev
LAB_FAQ = DEMO.app_id(301)
COST_REPORT = DEMO.app_id(108)  # Service API off
UNKNOWN_UUID = "0b0b0b0b-0000-4000-8000-000000000000"
BEARER_CHALLENGE = 'Bearer realm="api"'
# §1.3 step 4: the 401 message of a dead token "varies by version".
INVALID_BEARER = {"invalid_bearer", "invalid bearer", "Invalid or unknown bearer token."}
SERVE_TIMEOUT_SECONDS = 30
RUN_PATH, _ = RUN
UNKNOWN_RUN_ID = RUN_APP_IDS[-1]


@dataclass
class Side:
    """The shared emulator serving one generation, with paths of that generation."""

    emulator: EmulatorHandle

    @property
    def generation(self) -> str:
        return self.emulator.generation

    def path(self, op: str, **ids: str) -> str:
        _method, template = self.emulator.route(op).split(" ", 1)
        return template.format(**ids)

    def api(self, token: str | None = None, scheme: str = "Bearer") -> httpx.Client:
        client = self.emulator.client()
        if token is not None:
            client.headers["Authorization"] = f"{scheme} {token}"
        return client

    def token(self, email: str = ADA, **options: Any) -> str:
        return self.emulator.admin.token(email, **options)


def differs(
    response: httpx.Response,
    status: int,
    code: str | None = None,
    message: str | set[str] | None = None,
    challenge: bool = False,
) -> str | None:
    """None when the response is the contract's, else what it was instead."""
    seen = f"{response.status_code} {response.text[:160]}"
    if response.status_code != status:
        return f"expected {status}, got {seen}"
    if code is not None or message is not None:
        body = response.json()
        if not isinstance(body, dict) or body.get("status") != status:
            return f"not an ErrorBody: {seen}"
        if code is not None and body.get("code") != code:
            return f"expected code {code}, got {seen}"
        allowed = {message} if isinstance(message, str) else message
        if allowed is not None and body.get("message") not in allowed:
            return f"expected message {sorted(allowed)}, got {seen}"
    if challenge and response.headers.get("WWW-Authenticate") != BEARER_CHALLENGE:
        return f"no WWW-Authenticate {BEARER_CHALLENGE!r} on {seen}"
    return None


def first(*outcomes: str | None) -> str | None:
    return next((o for o in outcomes if o is not None), None)


# -- the table: one function per named case, run on S2 and on S3 -------------------------


def missing_token(side: Side) -> str | None:
    response = side.api().get("/workspaces")
    return differs(response, 401, "unauthorized", "bearer required", challenge=True)


def another_scheme_is_a_missing_token(side: Side) -> str | None:
    response = side.api(side.token(), scheme="Basic").get("/workspaces")
    return differs(response, 401, "unauthorized", "bearer required", challenge=True)


def scheme_is_case_insensitive(side: Side) -> str | None:
    return differs(side.api(side.token(), scheme="bEaReR").get("/workspaces"), 200)


def wrong_token(side: Side) -> str | None:
    response = side.api("dfoa_" + "x" * 43).get("/workspaces")
    return differs(response, 401, "unauthorized", INVALID_BEARER, challenge=True)


def unknown_token_kind(side: Side) -> str | None:
    response = side.api("dfp_" + "x" * 43).get("/account")
    return differs(response, 401, "unauthorized", INVALID_BEARER, challenge=True)


def non_member_workspace_is_not_found(side: Side) -> str | None:
    grace = side.api(side.token(GRACE))
    lab = DEMO.PARTNER_LAB
    return first(
        differs(grace.get(side.path("describe.workspace", workspace_id=lab)), 404, "not_found"),
        differs(
            grace.get(side.path("get.workspace.member", workspace_id=lab)),
            404,
            "not_found",
            "workspace not found",
        ),
        differs(
            grace.get("/apps", params={"workspace_id": lab}),
            404,
            "not_found",
            "workspace not found",
        ),
    )


def non_member_app_is_not_found(side: Side) -> str | None:
    # §1.3 step 11: the app's workspace decides, and it is 404, not 403 (no id leaks).
    grace = side.api(side.token(GRACE))
    response = grace.get(side.path("describe.console_app", app_id=LAB_FAQ))
    return differs(response, 404, "not_found", "workspace not found")


def non_member_cannot_tell_a_workspace_exists(side: Side) -> str | None:
    grace = side.api(side.token(GRACE))
    existing = grace.get(side.path("get.workspace.member", workspace_id=DEMO.PARTNER_LAB))
    unknown = grace.get(side.path("get.workspace.member", workspace_id=UNKNOWN_UUID))
    if existing.json() != unknown.json():
        return f"a non-member tells them apart: {existing.text} vs {unknown.text}"
    return differs(unknown, 404, "not_found", "workspace not found")


def revoked_session(side: Side) -> str | None:
    api = side.api(side.token())
    revoke = api.delete(side.path("delete.account.current_session"))
    if revoke.status_code != 200 or revoke.json() != {"status": "revoked"}:
        return f"revoking: {revoke.status_code} {revoke.text}"
    return differs(api.get("/account"), 401, "unauthorized", INVALID_BEARER, challenge=True)


def session_revoked_from_another_device(side: Side) -> str | None:
    laptop = side.emulator.admin.mint(ADA, device_label="laptop")
    phone = side.api(side.token(device_label="phone"))
    path = side.path("delete.account.session", session_id=laptop["token_id"])
    revoke = phone.delete(path)
    if revoke.status_code != 200 or revoke.json() != {"status": "revoked"}:
        return f"revoking: {revoke.status_code} {revoke.text}"
    return first(
        differs(side.api(laptop["token"]).get("/account"), 401, "unauthorized", INVALID_BEARER),
        differs(phone.get("/account"), 200),
    )


def another_accounts_session_is_not_found(side: Side) -> str | None:
    graces = side.emulator.admin.mint(GRACE)
    ada = side.api(side.token())
    response = ada.delete(side.path("delete.account.session", session_id=graces["token_id"]))
    return first(
        differs(response, 404, "not_found", "session not found"),
        differs(side.api(graces["token"]).get("/account"), 200),
    )


def expired_session(side: Side) -> str | None:
    api = side.api(side.token(ttl_seconds=60))
    side.emulator.admin.advance(61)
    # S3's newest builds answer an expired session with their own code (§1.3 step 4).
    codes = {"unauthorized", "token_expired"} if side.generation == "s3" else {"unauthorized"}
    response = api.get("/account")
    outcome = differs(response, 401, challenge=True)
    if outcome is None and response.json().get("code") not in codes:
        return f"expected code {sorted(codes)}, got {response.text}"
    return outcome


def auth_before_validation(side: Side) -> str | None:
    # §1.3 "auth errors beat validation errors".
    return first(
        differs(
            side.api().get("/account/sessions", params={"limit": 999}),
            401,
            "unauthorized",
            "bearer required",
        ),
        differs(
            side.api(side.token(GRACE)).get(
                side.path("get.workspace.member", workspace_id=DEMO.PARTNER_LAB),
                params={"limit": 999},
            ),
            404,
            "not_found",
            "workspace not found",
        ),
        differs(side.api(side.token()).get("/apps"), 404, "not_found", "workspace not found")
        if side.generation == "s2"  # the contract's example is S2's
        else None,
    )


def role_floor_before_validation(side: Side) -> str | None:
    path = side.path("invite.workspace.member", workspace_id=DEMO.ACME_DEV)
    response = side.api(side.token(ALAN)).post(path, json={"bogus": True})
    return differs(response, 403, "forbidden", "insufficient workspace role")


def service_api_off(side: Side) -> str | None:
    response = side.api(side.token()).get(side.path("export.console_app.dsl", app_id=COST_REPORT))
    return differs(response, 403, "forbidden", "service_api_disabled")


TABLE: tuple[Callable[[Side], str | None], ...] = (
    missing_token,
    another_scheme_is_a_missing_token,
    scheme_is_case_insensitive,
    wrong_token,
    unknown_token_kind,
    non_member_workspace_is_not_found,
    non_member_app_is_not_found,
    non_member_cannot_tell_a_workspace_exists,
    revoked_session,
    session_revoked_from_another_device,
    another_accounts_session_is_not_found,
    expired_session,
    auth_before_validation,
    role_floor_before_validation,
    service_api_off,
)


# -- the operator API and the bind address (one server setting each) ---------------------


def admin_api_needs_its_token(emulator: EmulatorHandle) -> str | None:
    """Without its token `/_emulator` looks exactly like a path that does not exist."""
    base = emulator.base_url
    nowhere = httpx.get(f"{base}/_nothing-here")
    attempts = {
        "no token": httpx.get(f"{base}/_emulator/stats"),
        "a user's token": httpx.get(
            f"{base}/_emulator/stats",
            headers={"Authorization": f"Bearer {emulator.admin.token(ADA)}"},
        ),
        "a wrong token": httpx.get(
            f"{base}/_emulator/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}
        ),
    }
    for what, response in attempts.items():
        if (response.status_code, response.text) != (nowhere.status_code, nowhere.text):
            return f"with {what}: {response.status_code} {response.text[:160]}"
    with_token = httpx.get(
        f"{base}/_emulator/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    return differs(with_token, 200)


def admin_api_off_without_an_admin_token() -> str | None:
    with EmulatorServer(seed="demo") as server:
        for presented in ("x", ADMIN_TOKEN, ""):
            headers = {"Authorization": f"Bearer {presented}"} if presented else {}
            response = httpx.get(f"{server.base_url}/_emulator/accounts", headers=headers)
            if response.status_code != 404:
                return f"/_emulator answered {response.status_code} with no admin token set"
        return differs(httpx.get(f"{server.api_url}/_health"), 200)


def listening_addresses(port: int) -> list[str]:
    """The local addresses of sockets listening on `port` (Linux /proc/net/tcp{,6})."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def binds_loopback_by_default() -> str | None:
    """`python -m emulator serve` (what `difyops emulator serve` runs) with no --host."""
    if EmulatorServer(seed=None).host != "127.0.0.1":
        return "EmulatorServer does not default to 127.0.0.1"
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        match = re.fullmatch(r"http://([^/]+):(\d+)", base_url)
        if match is None or match.group(1) != "127.0.0.1":
            return f"first line {base_url!r} is not a 127.0.0.1 URL"
        addresses = listening_addresses(int(match.group(2)))
        # 0100007F is 127.0.0.1 as /proc/net/tcp writes it (little-endian hex).
        if addresses != ["0100007F"]:
            return f"listening on {addresses}, not on 127.0.0.1 only"
        return None
    finally:
        process.terminate()
        process.communicate(timeout=SERVE_TIMEOUT_SECONDS)


def test_auth_order_is_the_contracts(emulator: EmulatorHandle) -> None:
    outcomes: dict[str, str | None] = {}
    for generation in ("s2", "s3"):
        emulator.admin.reset("demo")
        emulator.admin.settings(generation=generation)
        emulator.generation = generation
        side = Side(emulator)
        for case in TABLE:
            emulator.close_clients()
            outcomes[f"{generation}: {case.__name__}"] = case(side)
    emulator.admin.reset("demo")
    emulator.generation = "s2"
    outcomes["admin API needs its token"] = admin_api_needs_its_token(emulator)
    outcomes["admin API off without an admin token"] = admin_api_off_without_an_admin_token()
    outcomes["binds 127.0.0.1 by default"] = binds_loopback_by_default()
    held = [name for name, outcome in outcomes.items() if outcome is None]
    figures.record(
        SUITE,
        "",
        f"{len(held)}/{len(outcomes)} cases as the contract says "
        f"({len(TABLE)} on S2 and S3, 3 of the operator API and bind address)",
    )

    assert {name: o for name, o in outcomes.items() if o is not None} == {}


# -- schemathesis against the served document, with real ids -----------------------------

# Every seeded id a path can take; ids the server makes (a session, a pending import, a
# run) are made for the case that needs one. A form token is never a real one here.
SEEDED = {
    "workspace_id": [DEMO.ACME_DEV, DEMO.ACME_PROD, DEMO.PARTNER_LAB],
    "app_id": [DEMO.app_id(n) for n in (*range(101, 109), 201, 202, 301, 302)],
    "member_id": [DEMO.account_id(n) for n in range(0x01, 0x0C)],
}
MADE = ("session_id", "import_id", "task_id")
EXAMPLES_PER_OPERATION = 15
# Operations an owner's real ids must get an answer of 2xx from at least once.
MUST_ANSWER_2XX = (
    "describe.workspace",
    "get.workspace.member",
    "describe.console_app",
    "export.console_app.dsl",
    "check.console_app.dependency",
    "delete.account.session",
    "confirm.console_app.dsl_import",
)
CHECKS = [
    schemathesis_checks.not_a_server_error,
    schemathesis_checks.status_code_conformance,
    schemathesis_checks.content_type_conformance,
    schemathesis_checks.response_schema_conformance,
]


@dataclass
class Tally:
    cases: int = 0
    with_real_ids: int = 0
    answered_2xx: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    expected: set[str] = field(default_factory=set)
    unauthenticated: set[str] = field(default_factory=set)
    operations: int = 0


class Made:
    """Ids only the server can make, made for the case that needs one (never reused:
    a case may revoke the session, confirm the import or stop the run)."""

    def __init__(self, emulator: EmulatorHandle, owner: httpx.Client) -> None:
        self.emulator = emulator
        self.owner = owner
        _method, export = emulator.route("export.console_app.dsl").split(" ", 1)
        exported = owner.get(export.format(app_id=DEMO.app_id(101))).json()["data"]
        newer = yaml.safe_load(exported)
        newer["version"] = "99.0.0"  # newer than the server's: the import stays pending
        self.pending_dsl = yaml.safe_dump(newer)

    def session_id(self) -> str:
        return str(self.emulator.admin.mint(ADA, device_label="fuzzed-session")["token_id"])

    def import_id(self) -> str:
        body = {"mode": "yaml-content", "yaml_content": self.pending_dsl}
        answer = self.owner.post(f"/workspaces/{DEMO.ACME_DEV}/apps/imports", json=body)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["id"])

    def task_id(self) -> str:
        # The Prod Policy Helpdesk is published and needs only a query.
        body = {"inputs": {}, "query": "hello", "response_mode": "streaming"}
        _method, template = self.emulator.route("run.app", mode="advanced-chat").split(" ", 1)
        answer = self.owner.post(template.format(app_id=DEMO.app_id(202)), json=body)
        first_event = json.loads(answer.text.split("data: ", 1)[1].split("\n", 1)[0])
        return str(first_event["task_id"])


def is_run(method: str, path: str) -> bool:
    return method.lower() == "post" and (path == RUN_PATH or path.endswith(":run"))


def without_faithful_500s(document: dict[str, Any]) -> dict[str, Any]:
    """Runs drawn as tests/emulator/test_schemathesis.py draws them (S3's routes too): no
    `files` and plain input values (their apps are chosen in `id_choices`)."""
    patched = copy.deepcopy(document)
    for path, operations in patched["paths"].items():
        for method, operation in operations.items():
            if not is_run(method, path):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            properties = schema.get("properties", {})
            properties.pop("files", None)
            if "inputs" in properties:
                properties["inputs"]["additionalProperties"] = PLAIN_VALUE
    return patched


def id_choices(operation: Any) -> list[dict[str, str]]:
    names = [parameter.name for parameter in operation.path_parameters]
    if is_run(operation.method, operation.path):
        pools = [[i for i in RUN_APP_IDS if i != UNKNOWN_RUN_ID]]
    else:
        pools = [SEEDED.get(name, [f"made-{name}"]) for name in names]
    return [dict(zip(names, combination, strict=True)) for combination in product(*pools)]


def _keys(body: object) -> set[str]:
    return set(body) if isinstance(body, dict) else set()


def is_real(operation: Any) -> bool:
    names = {parameter.name for parameter in operation.path_parameters}
    return bool(names) and names <= set(SEEDED) | set(MADE)


def fuzz(operation: Any, emulator: EmulatorHandle, session: requests.Session, tally: Tally) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    emulator.admin.reset("demo")
    emulator.admin.settings(generation=emulator.generation)
    owner = emulator.client(emulator.admin.token(ADA, device_label="maker"))
    made = Made(emulator, owner)
    caller = emulator.admin.token(ADA, device_label="schemathesis")
    signs_out = operation.path.endswith("/sessions/self")
    strategy = st.sampled_from(id_choices(operation)).flatmap(
        lambda ids: st.one_of(
            operation.as_strategy(path_parameters=ids),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids),
        )
    )
    if is_run(operation.method, operation.path):
        # Negative cases put `files` back (the body is lenient): Dify answers a bad file
        # object with a 500 too (see tests/emulator/test_schemathesis.py).
        strategy = strategy.filter(lambda case: "files" not in _keys(case.body))

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def one(case: Any) -> None:
        for name in MADE:
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = getattr(made, name)()
        # A fresh token where the case may sign itself out; else the operation's one.
        token = emulator.admin.token(ADA, device_label="self") if signs_out else caller
        try:
            response = case.call(
                base_url=emulator.base_url,
                session=session,
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
        except requests.RequestException as error:
            # Kept as a failure of this case, not raised: Hypothesis would replay it, and a
            # slow answer on a busy machine that does not recur would end as FlakyFailure
            # without saying what happened.
            tally.failures.append(f"{case.method} {case.formatted_path}: {type(error).__name__}")
            return
        tally.cases += 1
        if response.status_code == 401:
            tally.unauthenticated.add(label)
        tally.with_real_ids += is_real(operation)
        if response.status_code >= 500:
            tally.server_errors += 1
        if 200 <= response.status_code < 300:
            tally.answered_2xx += 1
            tally.reached.add(label)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as failed:
            # What was sent (generated values and non-secret ids), never the headers.
            titles = [f.title for f in getattr(failed, "exceptions", [failed])]
            sent = f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r:.200}"
            tally.failures.append(f"{sent} → {response.status_code}: {titles}")

    one()
    tally.operations += 1


def fuzz_generation(emulator: EmulatorHandle, generation: str, tally: Tally) -> int:
    """Every operation of the document `generation` serves; returns how many there are."""
    emulator.admin.settings(generation=generation)
    emulator.generation = generation
    document = emulator.admin.openapi()
    schema = schemathesis.openapi.from_dict(without_faithful_500s(document))
    with requests.Session() as session:
        for result in schema.get_all_operations():
            fuzz(result.ok(), emulator, session, tally)
    for op in MUST_ANSWER_2XX:
        method, template = emulator.route(op).split(" ", 1)
        tally.expected.add(f"{method} /openapi/v1{template}")
    return sum(map(len, document["paths"].values()))


def test_schemathesis_with_real_ids_finds_no_server_error_and_no_stray_answer(
    emulator: EmulatorHandle,
) -> None:
    tally = Tally()
    documented = sum(fuzz_generation(emulator, g, tally) for g in ("s2", "s3"))
    emulator.generation = "s2"
    figures.record(
        SUITE,
        "schemathesis",
        f"{tally.operations} operations (S2 and S3), {tally.cases} cases ({tally.with_real_ids} "
        f"with real ids, {tally.answered_2xx} answered 2xx), {tally.server_errors} server "
        f"errors, {len(tally.failures)} answers off the document",
    )

    assert tally.operations == documented
    assert (tally.server_errors, len(tally.failures)) == (0, 0), "\n".join(tally.failures)
    assert tally.expected <= tally.reached
    # The caller's live token was never refused: only the device page's approve and deny,
    # which take a console session instead of a bearer (§2.6), answer 401.
    assert {label.rsplit("/", 1)[1] for label in tally.unauthenticated} == {"approve", "deny"}
