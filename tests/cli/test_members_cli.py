"""`difyops members plan|apply|export` against the emulator's demo seed (Acme Dev).

Acme Dev: ada owner (the signed-in account), grace admin, alan and barbara editor,
katherine normal, edsger dataset_operator, newhire normal (pending) — 7 members.
"""

from __future__ import annotations

import json
import logging
import re
import stat
from pathlib import Path

import pytest

from dify_client.resources.workspaces import MembersResource
from dify_client.testing import FakeClock
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.steps import without_steps

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "members.yml"

ACME_DEV = [
    ("ada@acme.example", "owner"),
    ("grace@acme.example", "admin"),
    ("alan@acme.example", "editor"),
    ("barbara@acme.example", "editor"),
    ("katherine@acme.example", "normal"),
    ("edsger@acme.example", "dataset_operator"),
    ("newhire@acme.example", "normal"),
]


def manifest_text(members: list[tuple[str, str]], *, options: str = "") -> str:
    rows = "".join(f"      - email: {email}\n        role: {role}\n" for email, role in members)
    return f"version: 1\nworkspaces:\n  - name: Acme Dev\n{options}    members:\n{rows}"


@pytest.fixture
def write_manifest(tmp_path: Path):
    def write(members: list[tuple[str, str]], *, options: str = "", name: str = "m.yml") -> str:
        path = tmp_path / name
        path.write_text(manifest_text(members, options=options), encoding="utf-8")
        return str(path)

    return write


def roles(emulator: EmulatorHandle) -> dict[str, tuple[str, str]]:
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get(f"/workspaces/{DEMO.ACME_DEV}/members", params={"limit": 200}).json()
    return {m["email"]: (m["role"], m["status"]) for m in rows["data"]}


def flat(text: str) -> str:
    """Text with Rich's line folding undone (stderr notes fold at 80 columns off a tty)."""
    return " ".join(text.split())


def table(stdout: str) -> list[list[str]]:
    """The rows of the tables in a command's output, cells split on column gaps."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def without(*emails: str) -> list[tuple[str, str]]:
    return [(e, r) for e, r in ACME_DEV if e not in emails]


def test_the_example_invites_promotes_demotes_and_then_plans_nothing(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    planned = invoke("members", "plan", "-f", str(EXAMPLE), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    rows = table(planned.stdout)
    assert ["role change", "katherine@acme.example", "normal → admin", "active"] in rows
    assert ["role change", "grace@acme.example", "admin → normal", "active"] in rows
    assert ["invite", "hedy@acme.example", "→ normal"] in rows
    newhire = ["not manageable", "newhire@acme.example", "normal", "pending"]
    assert [*newhire, "invited, awaiting acceptance"] in rows
    assert "Plan: 1 to invite, 2 role change(s), 0 to remove" in planned.stdout

    applied = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert applied.exit_code == 0, applied.output
    assert "Apply: 3 done, 0 already done, 0 failed." in applied.stdout
    assert "Dify e-mails each invitee" in flat(applied.stderr)
    live = roles(emulator)
    assert live["katherine@acme.example"] == ("admin", "active")
    assert live["grace@acme.example"] == ("normal", "active")
    assert live["hedy@acme.example"] == ("normal", "pending")

    again = invoke("members", "plan", "-f", str(EXAMPLE), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "no changes" in again.stdout
    rerun = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE), "--json")
    assert rerun.exit_code == 0 and json.loads(rerun.stdout)["applied"] is None


def test_plan_json_carries_every_item_and_a_checksum(invoke, signed_in) -> None:
    result = invoke("members", "plan", "-f", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["kind"] == "difyops.members-plan" and body["checksum"].startswith("sha256:")
    (plan,) = body["plans"]
    assert (plan["workspace_name"], plan["actor_email"]) == ("Acme Dev", "ada@acme.example")
    items = {i["email"]: (i["action"], i["status"]) for i in plan["items"]}
    assert items["newhire@acme.example"] == ("not_manageable", "pending")
    assert items["hedy@acme.example"] == ("invite", None)
    assert plan["settings"] == {
        "prune": False,
        "max_removal_ratio": 0.25,
        "allow_no_admin": False,
        "skip_untouchable": False,
    }


def test_prune_is_off_unless_asked(
    invoke, signed_in, emulator: EmulatorHandle, write_manifest
) -> None:
    path = write_manifest(without("katherine@acme.example"))
    left_alone = invoke("members", "apply", "--auto-approve", "-f", path)
    assert left_alone.exit_code == 0, left_alone.output
    assert "1 member(s) not in the manifest are left alone" in flat(left_alone.stderr)
    assert "katherine@acme.example" in roles(emulator)

    pruned = invoke("members", "apply", "--auto-approve", "-f", path, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert ["done", "remove", "katherine@acme.example", "normal → (removed)"] in table(
        pruned.stdout
    )
    assert "katherine@acme.example" not in roles(emulator)


def test_removing_too_many_is_refused_and_the_flag_lets_it_through(
    invoke, signed_in, emulator: EmulatorHandle, write_manifest
) -> None:
    path = write_manifest(
        without("katherine@acme.example", "newhire@acme.example"), options="    prune: true\n"
    )
    refused = invoke("members", "plan", "-f", path, "--detailed-exitcode")
    assert refused.exit_code == 3  # refused by a guard, nothing changed
    assert without_steps(refused.stderr) == (
        f"error: {path}:4:5: workspace 'Acme Dev': the plan removes 2 of 7 members (29%), "
        "more than max_removal_ratio 0.25 allows; pass --max-removal-ratio 0.29 (or raise "
        "max_removal_ratio in the manifest) to allow it\n"
        "hint: Change the manifest, or override with --max-removal-ratio.\n"
    )
    applied = invoke(
        "members", "apply", "--auto-approve", "-f", path, "--max-removal-ratio", "0.29"
    )
    assert applied.exit_code == 0, applied.output
    assert not {"katherine@acme.example", "newhire@acme.example"} & set(roles(emulator))


def test_the_owner_and_the_acting_account_are_refused_with_their_flag(
    invoke, signed_in, emulator: EmulatorHandle, write_manifest
) -> None:
    members = [("ada@acme.example", "admin"), *ACME_DEV[1:]]
    refused = invoke("members", "plan", "-f", write_manifest(members), "--json")
    assert refused.exit_code == 3
    error = json.loads(refused.stderr)["error"]
    assert error["code"] == "unsafe_plan"
    assert "ada@acme.example is the workspace owner" in error["message"]
    assert error["hint"] == "Change the manifest, or override with --skip-untouchable."
    skipped = invoke(
        "members", "apply", "--auto-approve", "-f", write_manifest(members), "--skip-untouchable"
    )
    assert skipped.exit_code == 0, skipped.output
    assert roles(emulator)["ada@acme.example"] == ("owner", "active")


def test_seat_limit_reached_mid_apply_keeps_going_and_reports_dify_words(
    invoke, signed_in, emulator: EmulatorHandle, write_manifest, tmp_path: Path
) -> None:
    emulator.admin.settings(member_limit=8)  # 7 members now: room for one more
    members = [
        *[(e, "admin" if e == "katherine@acme.example" else r) for e, r in ACME_DEV],
        ("hedy@acme.example", "normal"),
        ("ida@acme.example", "normal"),
    ]
    path = write_manifest(members)
    result = invoke("members", "apply", "--auto-approve", "-f", path, "--json")
    assert result.exit_code == 1
    outcomes = {
        o["email"]: o for o in json.loads(result.stdout)["applied"]["results"][0]["outcomes"]
    }
    assert outcomes["katherine@acme.example"]["status"] == "done"
    assert outcomes["hedy@acme.example"]["status"] == "done"
    assert outcomes["ida@acme.example"] == {
        "action": "invite",
        "email": "ida@acme.example",
        "member_id": None,
        "role": None,
        "desired_role": "normal",
        "status": "failed",
        "http_status": 403,
        "code": "member_limit_exceeded",
        "message": "Subscription member limit reached.",
        "hint": "Upgrade your plan to invite more members or remove an existing member first.",
    }
    # stderr: the warning that the links will not be saved, then the error as JSON
    assert result.stderr.startswith("warning: 2 invitation(s) to send and no --invite-urls")
    assert json.loads(result.stderr.splitlines()[-1])["error"]["message"] == (
        "some member changes failed"
    )

    human = invoke("members", "apply", "--auto-approve", "-f", path)
    assert human.exit_code == 1
    assert [
        "failed",
        "invite",
        "ida@acme.example",
        "→ normal",
        "member_limit_exceeded: Subscription member limit reached. — Upgrade your plan to "
        "invite more members or remove an existing member first.",
    ] in table(human.stdout)
    emulator.admin.settings(member_limit=0)
    finished = invoke("members", "apply", "--auto-approve", "-f", path)
    assert finished.exit_code == 0, finished.output
    assert "Apply: 1 done" in finished.stdout  # only the invite that failed before
    assert roles(emulator)["ida@acme.example"] == ("normal", "pending")


def test_a_stale_plan_is_refused_and_changes_nothing(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    planned = invoke("members", "plan", "-f", str(EXAMPLE), "--out", str(plan_file))
    assert planned.exit_code == 0 and json.loads(plan_file.read_text())["checksum"]
    emulator.admin.add_member(DEMO.ACME_DEV, "margaret@partner.example", "normal")
    stale = invoke("members", "apply", "--plan", str(plan_file))
    assert stale.exit_code == 1
    assert without_steps(stale.stderr).startswith(
        "error: the plan is stale: the live members or the manifest changed since it was made"
    )
    assert roles(emulator)["katherine@acme.example"] == ("normal", "active")

    fresh_file = tmp_path / "fresh.json"
    invoke("members", "plan", "-f", str(EXAMPLE), "--out", str(fresh_file))
    applied = invoke("members", "apply", "--plan", str(fresh_file))
    assert applied.exit_code == 0, applied.output
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")
    # Replaying the applied plan: its changes are in place, so there is nothing to do.
    replayed = invoke("members", "apply", "--plan", str(fresh_file))
    assert replayed.exit_code == 0, replayed.output
    assert "the plan is stale" not in replayed.stderr
    assert "the reviewed plan is already applied; nothing to do" in flat(replayed.stderr)
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")


def test_only_filters_the_manifest_and_the_old_w_spelling_still_works(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    path = tmp_path / "two.yml"
    path.write_text(
        manifest_text([(e, "admin" if e == "katherine@acme.example" else r) for e, r in ACME_DEV])
        + "  - name: Partner Lab\n    members: []\n",
        encoding="utf-8",
    )
    note = "note: -w/--workspace is now --only"
    every = invoke("members", "plan", "-f", str(path), "--json")
    assert [p["workspace_name"] for p in json.loads(every.stdout)["plans"]] == [
        "Acme Dev",
        "Partner Lab",
    ]
    for flag in ("--only", "-w", "--workspace"):
        result = invoke("members", "plan", "-f", str(path), flag, "Partner Lab", "--json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert [p["workspace_name"] for p in body["plans"]] == ["Partner Lab"]
        assert body["only"] == ["Partner Lab"]
        assert result.stderr.count(note) == (0 if flag == "--only" else 1)

    unknown = invoke("members", "plan", "-f", str(path), "--only", "Nope")
    assert unknown.exit_code == 1
    assert f"error: {path}: no workspace 'Nope' in the manifest" in unknown.stderr

    elsewhere = invoke("members", "apply", "--auto-approve", "-f", str(path), "-w", "Partner Lab")
    assert elsewhere.exit_code == 0, elsewhere.output
    assert flat(elsewhere.stderr).count(note) == 1
    assert roles(emulator)["katherine@acme.example"] == ("normal", "active")
    applied = invoke("members", "apply", "--auto-approve", "-f", str(path), "--only", "Acme Dev")
    assert applied.exit_code == 0, applied.output
    assert note not in applied.stderr
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")

    plan_file = tmp_path / "plan.json"
    invoke("members", "plan", "-f", str(path), "--out", str(plan_file))
    for flag in ("--only", "-w"):
        refused = invoke("members", "apply", "--plan", str(plan_file), flag, "Acme Dev")
        assert refused.exit_code == 2
        assert "error: --plan takes its options from the plan file" in refused.stderr


def test_apply_with_a_plan_takes_no_override_flags(invoke, signed_in, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    invoke("members", "plan", "-f", str(EXAMPLE), "--out", str(plan_file))
    result = invoke("members", "apply", "--plan", str(plan_file), "--prune")
    assert result.exit_code == 2
    assert "error: --plan takes its options from the plan file" in result.stderr
    other = tmp_path / "other.json"
    other.write_text('{"kind": "something-else"}')
    wrong = invoke("members", "apply", "--plan", str(other))
    assert wrong.exit_code == 2 and "is not a difyops.members-plan file" in wrong.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            manifest_text([("ada@acme.example", "owner"), ("grace@acme.example", "boss")]),
            "{path}:8:15: unknown role 'boss' (expected one of: normal, admin, owner, editor, "
            "dataset_operator)",
            id="unknown-role",
        ),
        pytest.param(
            manifest_text([("ada@acme.example", "owner"), ("Ada@Acme.example", "owner")]),
            "{path}:7:9: duplicate email 'ada@acme.example' (first at line 5; emails compare "
            "case-insensitively)",
            id="duplicate-email",
        ),
        pytest.param(
            manifest_text([("ada-at-acme.example", "owner")]),
            "{path}:5:16: invalid email 'ada-at-acme.example'",
            id="invalid-email",
        ),
        pytest.param(
            manifest_text([("ada@acme.example", "owner")], options="    purge: true\n"),
            "{path}:4:5: unknown key 'purge' in a workspace (expected one of: id, name, profile, "
            "host, prune, max_removal_ratio, protect, members)",
            id="unknown-key",
        ),
        pytest.param(
            manifest_text([("ada@acme.example", "owner")]).replace("Acme Dev", "Acme Stage"),
            "{path}:3:11: unknown workspace: no workspace named 'Acme Stage' among those this "
            "account can see",
            id="unknown-workspace",
        ),
        pytest.param(
            manifest_text([("katherine@acme.example", "editor")]),
            "{path}:6:15: workspace 'Acme Dev': role 'editor' cannot be assigned through the "
            "API, and the manifest would need to change katherine@acme.example from normal to "
            "it; editor may only acknowledge a member who already has it",
            id="role-the-api-cannot-set",
        ),
        pytest.param(
            manifest_text([], options="    host: https://dify.elsewhere.example\n"),
            "{path}:4:11: workspace 'Acme Dev' is on https://dify.elsewhere.example, but the "
            "connection is to {server}",
            id="other-host",
        ),
    ],
)
def test_manifest_errors_name_the_place_exactly(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    result = invoke("members", "plan", "-f", str(path))
    assert result.exit_code == 1
    first_line = without_steps(result.stderr).splitlines()[0]
    assert first_line == "error: " + message.format(path=path, server=emulator.base_url)


def test_a_missing_manifest_file_is_a_clear_error(invoke, signed_in, tmp_path: Path) -> None:
    result = invoke("members", "plan", "-f", str(tmp_path / "absent.yml"))
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'absent.yml'}: cannot read the members manifest" in result.stderr


def test_export_then_plan_shows_no_changes(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    emulator.admin.bulk(DEMO.ACME_DEV, members=250)  # more than one page
    target = tmp_path / "dev.yml"
    exported = invoke("members", "export", "-w", "Acme Dev", "-o", str(target))
    assert exported.exit_code == 0, exported.output
    text = target.read_text()
    assert "  - id: d0000000-0000-4000-8000-000000000001  # Acme Dev\n" in text
    assert text.count("- email:") == 257
    planned = invoke("members", "plan", "-f", str(target), "--detailed-exitcode", "--json")
    assert planned.exit_code == 0, planned.output
    assert not any(
        i["action"] in ("invite", "role_change", "remove")
        for i in json.loads(planned.stdout)["plans"][0]["items"]
    )
    again = invoke("members", "export", "-w", "Acme Dev", "-o", str(target))
    assert again.exit_code == 2 and "--force" in again.stderr
    to_stdout = invoke("members", "export", "--json")  # the account's default workspace
    assert json.loads(to_stdout.stdout)["manifest"] == text


def test_invite_links_reach_only_the_0600_file(
    invoke,
    signed_in,
    emulator: EmulatorHandle,
    write_manifest,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    links = tmp_path / "invites.tsv"
    links.write_text("left over\n")
    links.chmod(0o644)
    path = write_manifest([*ACME_DEV, ("hedy@acme.example", "admin")])
    outputs = []
    for args in (("--json",), ()):
        emulator.admin.reset("demo")
        monkeypatch.setenv("DIFY_TOKEN", emulator.admin.token("ada@acme.example"))
        result = invoke(
            "members", "apply", "--auto-approve", "-f", path, "--invite-urls", str(links), *args
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout + result.stderr)
    assert stat.S_IMODE(links.stat().st_mode) == 0o600
    # Appended: what the file held stays, and each run's link is kept.
    kept, first, line = links.read_text().splitlines()
    assert kept == "left over" and first.split("\t")[0] == "hedy@acme.example"
    email, url = line.split("\t")
    assert email == "hedy@acme.example" and "/activate?email=hedy%40acme.example&token=" in url
    secret = url.rsplit("token=", 1)[1]
    assert len(secret) >= 32
    everything = "\n".join([*outputs, caplog.text])
    assert secret not in everything and "/activate?" not in everything
    assert f"1 invitation link(s) added to {links} (mode 0600)" in flat(outputs[1])


def test_the_acting_account_is_never_demoted(
    invoke, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, write_manifest
) -> None:
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", emulator.admin.token("grace@acme.example"))
    path = write_manifest([(e, "normal" if e == "grace@acme.example" else r) for e, r in ACME_DEV])
    refused = invoke("members", "plan", "-f", path)
    assert refused.exit_code == 3
    assert without_steps(refused.stderr).splitlines() == [
        f"error: {path}:7:9: workspace 'Acme Dev': grace@acme.example is the acting account, "
        "and the API cannot change their role; write their current role in the manifest, or "
        "pass --skip-untouchable to leave them as they are",
        "hint: Change the manifest, or override with --skip-untouchable.",
    ]
    assert (
        invoke("members", "apply", "--auto-approve", "-f", path, "--skip-untouchable").exit_code
        == 0
    )
    assert roles(emulator)["grace@acme.example"] == ("admin", "active")


def interrupt_at(monkeypatch: pytest.MonkeyPatch, method: str, email: str) -> None:
    """Make the client's `method` (invite or update_role) raise KeyboardInterrupt for
    `email`, as a person pressing Ctrl-C in the middle of an apply would."""
    original = getattr(MembersResource, method)
    member_ids = {"katherine@acme.example": "ac000000-0000-4000-8000-000000000004"}

    def patched(self: MembersResource, workspace_id: str, who: str, role: str) -> object:
        if who in (email, member_ids.get(email)):
            raise KeyboardInterrupt
        return original(self, workspace_id, who, role)

    monkeypatch.setattr(MembersResource, method, patched)


def no_link_in(texts: list[str], links: Path) -> None:
    secrets = [line.rsplit("token=", 1)[1] for line in links.read_text().splitlines()]
    everything = "\n".join(texts)
    assert "/activate?" not in everything and "token=" not in everything
    assert not any(secret in everything for secret in secrets)


def test_without_invite_urls_apply_says_before_it_starts_that_links_are_not_kept(
    invoke, signed_in, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = invoke("members", "plan", "-f", str(EXAMPLE))
    assert "to keep their links, apply with --invite-urls FILE" in flat(planned.stderr)

    with monkeypatch.context() as patch:
        interrupt_at(patch, "update_role", "katherine@acme.example")  # the first change
        interrupted = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert interrupted.exit_code == 130
    assert (
        "warning: 1 invitation(s) to send and no --invite-urls: the invitation links will not "
        "be saved; Dify e-mails each invitee their invitation"
    ) in flat(interrupted.stderr)
    assert roles(emulator)["katherine@acme.example"] == ("normal", "active")

    applied = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert applied.exit_code == 0, applied.output
    stderr = flat(applied.stderr)
    closing = stderr[stderr.index("1 invitation(s) sent") :]
    assert stderr.index("warning: 1 invitation(s) to send") < stderr.index(closing)
    assert closing == (
        "1 invitation(s) sent; Dify e-mails each invitee their invitation (when the server's "
        "mail is set up). The links were not saved."
    )
    # The invitee is pending now and is never invited again: nothing can save that link
    # any more, so nothing suggests it.
    assert "--invite-urls" not in closing

    as_json = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE), "--json")
    assert as_json.exit_code == 0 and "warning" not in as_json.stderr  # nothing to invite


def test_invite_links_issued_before_a_failure_are_already_in_the_file(
    invoke,
    signed_in,
    emulator: EmulatorHandle,
    write_manifest,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.admin.settings(member_limit=8)  # 7 members now: room for one more
    invitees = [("hedy@acme.example", "normal"), ("ida@acme.example", "admin")]
    path = write_manifest([*ACME_DEV, *invitees, ("joan@acme.example", "normal")])
    links = tmp_path / "invites.tsv"

    # The seat limit is reached at ida; joan's invite is interrupted (Ctrl-C).
    interrupt_at(monkeypatch, "invite", "joan@acme.example")
    result = invoke(
        "members", "apply", "--auto-approve", "-f", path, "--invite-urls", str(links), "--json"
    )
    assert result.exit_code == 130  # cancelled: the process never reached its report
    assert stat.S_IMODE(links.stat().st_mode) == 0o600
    (line,) = links.read_text().splitlines()
    email, url = line.split("\t")
    assert email == "hedy@acme.example" and "/activate?email=hedy%40acme.example&token=" in url
    assert roles(emulator)["hedy@acme.example"] == ("normal", "pending")
    assert "ida@acme.example" not in roles(emulator)
    no_link_in([result.stdout, result.stderr, caplog.text], links)


def test_invite_links_of_a_partly_failed_apply_reach_only_the_file(
    invoke,
    signed_in,
    emulator: EmulatorHandle,
    write_manifest,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.admin.settings(member_limit=9)  # room for two of the three invitees
    people = [("hedy@acme.example", "normal"), ("ida@acme.example", "admin")]
    path = write_manifest([*ACME_DEV, *people, ("joan@acme.example", "normal")])
    links = tmp_path / "invites.tsv"
    outputs = []
    for args in (("--json",), ()):
        result = invoke(
            "members", "apply", "--auto-approve", "-f", path, "--invite-urls", str(links), *args
        )
        assert result.exit_code == 1
        outputs += [result.stdout, result.stderr]
        if args:
            applied = json.loads(result.stdout)
            assert applied["invite_urls_file"] == str(links)
            outcomes = {
                o["email"]: o["status"] for o in applied["applied"]["results"][0]["outcomes"]
            }
            assert outcomes == {
                "hedy@acme.example": "done",
                "ida@acme.example": "done",
                "joan@acme.example": "failed",
            }
            assert [line.split("\t")[0] for line in links.read_text().splitlines()] == [
                "hedy@acme.example",
                "ida@acme.example",
            ]
            no_link_in([*outputs, caplog.text], links)
    # The second run had only joan to invite, and the seat limit refused: no link issued,
    # so the file of the first run is left as it was.
    assert len(links.read_text().splitlines()) == 2
    assert "2 invitation link(s) written" not in flat(outputs[-1])
    no_link_in([*outputs, caplog.text], links)


def test_an_unwritable_invite_urls_file_stops_apply_before_any_change(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    target = tmp_path / "missing-dir" / "invites.tsv"
    result = invoke(
        "members", "apply", "--auto-approve", "-f", str(EXAMPLE), "--invite-urls", str(target)
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2].startswith(
        f"error: cannot write the invitation links to {target}:"
    )
    assert "nothing was changed" in result.stderr
    assert roles(emulator)["katherine@acme.example"] == ("normal", "active")
    assert "hedy@acme.example" not in roles(emulator)


KATHERINE_ID = "ac000000-0000-4000-8000-000000000004"


@pytest.mark.parametrize(
    ("scenario", "message", "code", "hint"),
    [
        pytest.param(
            "drop_connection",
            # then the httpx error's name: RemoteProtocolError, or ReadError when the
            # aborted socket's reset arrives first
            "connection to 127.0.0.1 failed during {request}: ",
            None,
            "Check the server URL and that the server is running.",
            id="connection-dropped-past-the-retries",
        ),
        pytest.param(
            "server_error",
            "Internal Server Error",
            "internal_server_error",
            None,
            id="server-error-past-the-retries",
        ),
    ],
)
def test_a_fault_on_one_change_fails_only_that_change(
    invoke,
    signed_in,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    message: str,
    code: str | None,
    hint: str | None,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr("dify_client._client._SYSTEM_CLOCK", clock)  # retries sleep on it
    # Five: the first change's four attempts (one try, three retries), then one more that
    # the next change on the same route survives by retrying.
    emulator.admin.fault(scenario, route=emulator.route("set.workspace.member_role"), times=5)
    result = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE), "--json")
    assert result.exit_code == 1
    outcomes = json.loads(result.stdout)["applied"]["results"][0]["outcomes"]
    assert [(o["email"], o["status"]) for o in outcomes] == [
        ("katherine@acme.example", "failed"),
        ("grace@acme.example", "done"),
        ("hedy@acme.example", "done"),
    ]
    method, template = emulator.route("set.workspace.member_role").split(" ", 1)
    path = template.format(workspace_id=DEMO.ACME_DEV, member_id=KATHERINE_ID)
    assert outcomes[0]["message"].startswith(message.format(request=f"{method} /openapi/v1{path}"))
    assert (outcomes[0]["code"], outcomes[0]["hint"]) == (code, hint)
    assert len(clock.sleeps) >= 4  # the client retried, on the fake clock
    live = roles(emulator)
    assert live["katherine@acme.example"] == ("normal", "active")
    assert live["grace@acme.example"] == ("normal", "active")
    assert live["hedy@acme.example"] == ("normal", "pending")

    emulator.admin.clear_faults()
    finished = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert finished.exit_code == 0, finished.output
    assert "Apply: 1 done, 0 already done, 0 failed." in finished.stdout


def test_an_unexpected_exception_from_one_change_is_that_change_failure(
    invoke, signed_in, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = MembersResource.update_role

    def update_role(self: MembersResource, workspace_id: str, member_id: str, role: str) -> object:
        if member_id == "ac000000-0000-4000-8000-000000000004":  # katherine
            raise RuntimeError("something nobody expected")
        return original(self, workspace_id, member_id, role)  # type: ignore[arg-type]

    monkeypatch.setattr(MembersResource, "update_role", update_role)
    result = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert result.exit_code == 1
    rows = table(result.stdout)
    failed = next(
        row for row in rows if row[:3] == ["failed", "role change", "katherine@acme.example"]
    )
    assert failed[4].startswith("unexpected RuntimeError: something nobody expected — ")
    assert ["done", "role change", "grace@acme.example", "admin → normal"] in rows
    assert ["done", "invite", "hedy@acme.example", "→ normal"] in rows
    assert "Apply: 2 done, 0 already done, 1 failed." in result.stdout
    assert roles(emulator)["hedy@acme.example"] == ("normal", "pending")


def test_the_invite_urls_file_is_0600_before_the_first_invite_is_sent(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = tmp_path / "invites.tsv"
    seen: list[int | None] = []
    original = MembersResource.invite

    def invite(self: MembersResource, workspace_id: str, email: str, role: str) -> object:
        seen.append(stat.S_IMODE(links.stat().st_mode) if links.exists() else None)
        return original(self, workspace_id, email, role)  # type: ignore[arg-type]

    monkeypatch.setattr(MembersResource, "invite", invite)
    result = invoke(
        "members", "apply", "--auto-approve", "-f", str(EXAMPLE), "--invite-urls", str(links)
    )
    assert result.exit_code == 0, result.output
    assert seen == [0o600]
    assert "warning" not in result.stderr
    # After a line per change as it was made.
    assert flat(result.stderr).endswith(f"1 invitation link(s) added to {links} (mode 0600)")


def test_an_invite_whose_answer_was_lost_is_read_back_as_done_and_not_sent_again(
    invoke, signed_in, emulator: EmulatorHandle, write_manifest
) -> None:
    """Issue 14 (faults): the server made the invite, then the connection dropped."""
    route = emulator.route("invite.workspace.member")
    emulator.admin.fault("drop_after_write", route=route, times=1)
    path = write_manifest([*ACME_DEV, ("hedy@acme.example", "normal")])
    applied = invoke("members", "apply", "--auto-approve", "-f", path)
    assert applied.exit_code == 0, applied.output
    assert "Apply: 1 done, 0 already done, 0 failed." in applied.stdout
    assert "reading the members back showed the change made" in flat(applied.stdout)
    assert roles(emulator)["hedy@acme.example"] == ("normal", "pending")
    again = invoke("members", "apply", "--auto-approve", "-f", path)
    assert again.exit_code == 0 and "no changes" in again.output
    assert emulator.admin.stats()[route] == 1  # sent once, never again
