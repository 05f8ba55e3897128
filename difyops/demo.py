"""`make demo`: the whole job against the bundled emulator, as a person would run it.

Starts the emulator with the demo seed, signs in through the device flow (approving the
code on the emulator's /device page, as a person in a browser would), shows what the
account sees, backs every app up into a git repository, changes an app in the console
and backs up again. Everything runs in a scratch directory (DIFYOPS_DEMO_DIR, default
./demo-work) with its own config and Prefect home, so nothing of yours is touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

from dify_client import DifyClient

DEMO_PASSWORD = "demo-password"  # noqa: S105 — the documented password of the demo accounts
OPERATOR = "ada@acme.example"
HELPDESK_DEV = "a0000000-0000-4000-8000-000000000103"


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a difyops command as a user would, echoing it and its output."""
    # Quoted as a shell would need it, so a printed command can be pasted as it is.
    print(f"\n$ difyops {shlex.join(args)}", flush=True)
    done = subprocess.run(  # noqa: S603 — our own interpreter and CLI
        [sys.executable, "-m", "difyops", *args], text=True, check=False
    )
    if check and done.returncode != 0:
        raise SystemExit(f"demo step failed: difyops {shlex.join(args)} (exit {done.returncode})")
    return done


def shell(*args: str) -> None:
    print(f"\n$ {shlex.join(args)}", flush=True)
    subprocess.run(args, check=True)  # noqa: S603


def generation() -> str:
    """`make demo GENERATION=s3` serves Dify's newer paths; the client detects which."""
    chosen = os.environ.get("DIFYOPS_DEMO_GENERATION", "s2").strip().lower() or "s2"
    if chosen not in ("s2", "s3"):
        raise SystemExit(f"GENERATION must be s2 or s3, not {chosen!r}")
    return chosen


@contextmanager
def emulator(workdir: Path) -> Iterator[tuple[str, httpx.Client]]:
    """The emulator in a subprocess, with the demo seed; yields its URL and admin client."""
    admin_token = secrets.token_urlsafe(24)
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            "0",
            "--seed",
            "demo",
            "--db",
            str(workdir / "emulator.sqlite3"),
            # One argument with `=`: a random token may start with "-".
            f"--admin-token={admin_token}",
            "--generation",
            generation(),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    base_url = process.stdout.readline().strip()
    admin = httpx.Client(
        base_url=f"{base_url}/_emulator", headers={"Authorization": f"Bearer {admin_token}"}
    )
    try:
        yield base_url, admin
    finally:
        admin.close()
        process.terminate()
        process.wait(timeout=10)


def approve_in_the_browser(base_url: str, user_code: str) -> None:
    """What a person does on the verification page: sign in, check the code, approve."""
    with httpx.Client(base_url=base_url, follow_redirects=True) as browser:
        page = browser.post(
            "/device/login",
            data={"email": OPERATOR, "password": DEMO_PASSWORD, "user_code": user_code},
        )
        csrf = re.search(r"name='csrf_token' value='([^']+)'", page.text)
        if csrf is None:
            raise SystemExit("the /device page did not offer the approval form")
        browser.post(
            "/device/decision",
            data={"user_code": user_code, "action": "approve", "csrf_token": csrf.group(1)},
        ).raise_for_status()
    print(f"   (the demo approved {user_code} on {base_url}/device as {OPERATOR})", flush=True)


def login(base_url: str) -> None:
    print(f"\n$ difyops auth login --host {base_url} --no-browser", flush=True)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "difyops", "auth", "login", "--host", base_url, "--no-browser"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    approver: threading.Thread | None = None
    for line in process.stderr:
        sys.stderr.write(line)
        found = re.search(r"enter the code: ([A-Z0-9]{4}-[A-Z0-9]{4})", line)
        if found and approver is None:
            approver = threading.Thread(
                target=approve_in_the_browser, args=(base_url, found.group(1))
            )
            approver.start()
    if process.wait() != 0:
        raise SystemExit("demo step failed: difyops auth login")
    if approver is not None:
        approver.join()


def edit_in_console(admin: httpx.Client, base_url: str) -> None:
    """A colleague edits the Policy Helpdesk's prompt in Dify's console."""
    token = admin.post("/tokens", json={"email": OPERATOR}).json()["token"]
    # Through the client, which knows each generation's path for an export.
    with DifyClient(base_url, token=token) as dify:
        data = yaml.safe_load(dify.dsl.export(HELPDESK_DEV))
    llm = next(n for n in data["workflow"]["graph"]["nodes"] if n["data"]["type"] == "llm")
    prompt = llm["data"]["prompt_template"][0]
    prompt["text"] = prompt["text"].rstrip() + "\nAlways cite the handbook section you used."
    admin.patch(
        f"/apps/{HELPDESK_DEV}", json={"yaml": yaml.safe_dump(data, allow_unicode=True)}
    ).raise_for_status()
    print("   (edited the LLM prompt of 'Policy Helpdesk' in Acme Dev)", flush=True)


# The demo's script, read top to bottom as the README tells it: one step after another.
def members_as_code(workdir: Path) -> None:
    say("Workspace members as code: plan and apply examples/members.yml to Acme Dev")
    manifest = str(Path(__file__).resolve().parents[1] / "examples" / "members.yml")
    plan = str(workdir / "members-plan.json")
    # The reviewed plan is applied as it is, without a question (an apply from the manifest
    # would show a fresh plan and ask for `yes`, or need --auto-approve).
    run("members", "plan", "-f", manifest, "--out", plan)
    run("members", "apply", "--plan", plan, "--invite-urls", str(workdir / "invites.tsv"))
    say("A second members plan has no changes")
    run("members", "plan", "-f", manifest, "--detailed-exitcode")


def on_prefect(repo: Path) -> None:
    print(f"\n$ python -m difyops.demo_prefect {repo}", flush=True)
    # A cold temporary server can take over 20 s (Prefect's default wait) on a busy machine.
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    done = subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "difyops.demo_prefect", str(repo)], check=False, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"demo step failed: the Prefect flow runs (exit {done.returncode})")


def main() -> None:
    workdir = Path(os.environ.get("DIFYOPS_DEMO_DIR", "demo-work")).resolve()
    marker = workdir / ".difyops-demo"
    if workdir.exists() and any(workdir.iterdir()) and not marker.exists():
        raise SystemExit(f"{workdir} is not empty and not a demo directory: refusing to clear it")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    marker.touch()
    os.environ.update(
        DIFYOPS_CONFIG_DIR=str(workdir / "config"),
        PREFECT_HOME=str(workdir / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    for name in ("DIFY_SERVER", "DIFY_TOKEN", "DIFY_WORKSPACE_ID"):
        os.environ.pop(name, None)
    repo = workdir / "backup"
    with emulator(workdir) as (base_url, admin):
        say(
            f"A Dify API emulator ({generation().upper()} paths) with the demo seed runs at"
            f" {base_url}"
        )
        say("Sign in through the OAuth device flow")
        login(base_url)
        run("auth", "status")

        say("What the account sees")
        run("workspaces", "list")
        run("apps", "list", "--all-workspaces")
        run("members", "list", "--workspace", "Acme Dev")

        say("Run an app: Dify runs its published version; the node trail and answer stream live")
        # The emulator never calls a model: its LLM nodes answer from scripts (or echo).
        admin.post(
            "/scripts",
            json={"node": "Classify ticket", "text": '{"category": "bug", "priority": "urgent"}'},
        ).raise_for_status()
        run(
            "apps", "run", "Support Ticket Triage", "-w", "Acme Dev",
            "--input", "subject=Printer on fire",
            "--input", "body=The office printer on floor 3 is smoking.",
        )  # fmt: skip

        say("Back up every app of every workspace into git")
        run("backup", "run", "--repo", str(repo))
        shell("git", "-C", str(repo), "log", "--stat", "--format=%h %s%n%n%b")

        say("Someone edits an app in the console; the next backup records what changed")
        edit_in_console(admin, base_url)
        run("backup", "run", "--repo", str(repo))
        shell("git", "-C", str(repo), "log", "--format=%h %ad %s", "--date=short")
        run("backup", "log", "Policy Helpdesk", "--workspace", "Acme Dev", "--repo", str(repo))
        run("backup", "run", "--repo", str(repo))  # nothing changed: no export, no commit

        say(
            "Promote the edited app from Acme Dev to Acme Prod: review the plan, then apply it;"
            " its smoke case (examples/smoke.yml) runs on Prod after the import"
        )
        plan = workdir / "promotion-plan.json"
        promotion = ("--from", "Acme Dev", "--to", "Acme Prod", "--app", "Policy Helpdesk")
        smoke = str(Path(__file__).resolve().parents[1] / "examples" / "smoke.yml")
        run("promote", "plan", *promotion, "--smoke", smoke, "--out", str(plan))
        run("promote", "apply", "--plan", str(plan))
        if generation() == "s3":
            say("This server can publish: the promotion went live, as Prod's versions show")
            run("apps", "versions", "Policy Helpdesk", "-w", "Acme Prod")
        say("A second plan has nothing left to do (exit 0 with --detailed-exitcode)")
        run("promote", "plan", *promotion, "--detailed-exitcode")

        members_as_code(workdir)

        say(
            "The same jobs as Prefect flow runs (a temporary local Prefect server): their"
            " states and artifacts, as the UI would show them"
        )
        on_prefect(repo)
    say(f"Done. Scratch files are in {workdir} (invitation links, mode 0600: invites.tsv)")
    print(
        "To run difyops yourself: `source .venv/bin/activate` (or call .venv/bin/difyops),"
        ' then see "Try it by hand" in README.md',
        flush=True,
    )


if __name__ == "__main__":
    main()
