"""What a backup run exports (`decide_exports`) and how its outcome reads: the commit
message and the Markdown artifact."""

from __future__ import annotations

import re

from reconcile.backup.layout import AppListing, IndexEntry, WorkspaceIndex
from reconcile.backup.plan import (
    AppOutcome,
    BackupReport,
    WorkspaceResult,
    backup_markdown,
    commit_message,
    decide_exports,
)
from tasks.backup.export import prepare

DIRECTORY = "dify.example.com/acme-dev"
STAMP = "2025-03-18T10:00:00"
HASH = "a" * 64


def listing(app_id: str, name: str, updated_at: str | None = STAMP) -> AppListing:
    return AppListing(id=app_id, name=name, mode="workflow", updated_at=updated_at)


def entry(name: str, file_name: str, updated_at: str | None = STAMP) -> IndexEntry:
    return IndexEntry(
        name=name,
        mode="workflow",
        path=f"{DIRECTORY}/{file_name}",
        updated_at=updated_at,
        content_hash=HASH,
    )


def workspace_index(**entries: IndexEntry) -> WorkspaceIndex:
    return WorkspaceIndex(
        host="dify.example.com", workspace_id="ws-1", workspace_name="Acme", apps=entries
    )


# -- decide_exports -------------------------------------------------------------------------


def test_each_reason_to_export_and_the_apps_left_alone() -> None:
    apps = [
        listing("new", "New"),
        listing("renamed", "Renamed Now"),
        listing("updated", "Updated", updated_at="2025-03-19T08:00:00"),
        listing("missing", "Missing"),
        listing("edited", "Edited"),
        listing("same", "Same"),
    ]
    index = workspace_index(
        renamed=entry("Renamed", "renamed.yml"),
        updated=entry("Updated", "updated.yml"),
        missing=entry("Missing", "missing.yml"),
        edited=entry("Edited", "edited.yml"),
        same=entry("Same", "same.yml"),
    )
    paths = {
        "new": f"{DIRECTORY}/new.yml",
        "renamed": f"{DIRECTORY}/renamed-now.yml",
        "updated": f"{DIRECTORY}/updated.yml",
        "missing": f"{DIRECTORY}/missing.yml",
        "edited": f"{DIRECTORY}/edited.yml",
        "same": f"{DIRECTORY}/same.yml",
    }
    on_disk = {
        f"{DIRECTORY}/updated.yml": HASH,
        f"{DIRECTORY}/edited.yml": "b" * 64,
        f"{DIRECTORY}/same.yml": HASH,
    }
    to_export, skipped = decide_exports(apps, paths, index, on_disk.get, full=False)
    assert [(d.app.id, d.reason, d.path) for d in to_export] == [
        ("new", "new", f"{DIRECTORY}/new.yml"),
        ("renamed", "renamed", f"{DIRECTORY}/renamed-now.yml"),
        ("updated", "updated", f"{DIRECTORY}/updated.yml"),
        ("missing", "file-missing", f"{DIRECTORY}/missing.yml"),
        ("edited", "file-changed", f"{DIRECTORY}/edited.yml"),
    ]
    assert skipped == [apps[-1]]


def test_an_unchanged_app_is_only_checked_not_exported() -> None:
    asked: list[str] = []

    def stored_hash(path: str) -> str | None:
        asked.append(path)
        return HASH

    to_export, skipped = decide_exports(
        [listing("same", "Same")],
        {"same": f"{DIRECTORY}/same.yml"},
        workspace_index(same=entry("Same", "same.yml")),
        stored_hash,
        full=False,
    )
    assert to_export == [] and [a.id for a in skipped] == ["same"]
    assert asked == [f"{DIRECTORY}/same.yml"]


def test_full_exports_everything_and_new_apps_stay_new() -> None:
    apps = [listing("same", "Same"), listing("new", "New")]
    paths = {"same": f"{DIRECTORY}/same.yml", "new": f"{DIRECTORY}/new.yml"}
    index = workspace_index(same=entry("Same", "same.yml"))
    to_export, skipped = decide_exports(apps, paths, index, lambda _: HASH, full=True)
    assert [(d.app.id, d.reason) for d in to_export] == [("same", "full"), ("new", "new")]
    assert skipped == []


def test_a_missing_updated_at_that_appears_counts_as_updated() -> None:
    to_export, _ = decide_exports(
        [listing("app", "App", updated_at="2025-03-18T10:00:00")],
        {"app": f"{DIRECTORY}/app.yml"},
        workspace_index(app=entry("App", "app.yml", updated_at=None)),
        lambda _: HASH,
        full=False,
    )
    assert [d.reason for d in to_export] == ["updated"]


def test_a_new_name_with_the_same_slug_is_exported_again() -> None:
    to_export, skipped = decide_exports(
        [listing("app", "ALPHA!")],
        {"app": f"{DIRECTORY}/alpha.yml"},
        workspace_index(app=entry("Alpha", "alpha.yml")),
        lambda _: HASH,
        full=False,
    )
    assert [d.app.id for d in to_export] == ["app"]
    assert skipped == []


# -- commit_message -------------------------------------------------------------------------


def outcome(app_id: str, name: str, status: str, **fields: object) -> AppOutcome:
    values: dict[str, object] = {
        "app_id": app_id,
        "name": name,
        "mode": "workflow",
        "status": status,
        "path": f"{DIRECTORY}/{app_id}.yml",
    }
    values.update(fields)
    return AppOutcome.model_validate(values)


def result(*outcomes: AppOutcome, name: str = "Acme Dev", **fields: object) -> WorkspaceResult:
    values: dict[str, object] = {
        "host": "dify.example.com",
        "base_url": "https://dify.example.com",
        "workspace_id": f"ws-{name}",
        "workspace_name": name,
        "directory": f"dify.example.com/{name.lower().replace(' ', '-')}",
        "outcomes": list(outcomes),
    }
    values.update(fields)
    return WorkspaceResult.model_validate(values)


def test_the_commit_message_counts_and_names_every_app() -> None:
    dev = result(
        outcome("a1", "Alpha", "added", mode="advanced-chat"),
        outcome("c1", "Beta", "changed", summary="1 node changed, layout only", exported=True),
        outcome("c2", "Keys", "changed", summary="1 variable changed", redacted=["x", "y"]),
        outcome("r1", "Gamma", "renamed", old_name="Old Gamma", summary="1 node changed"),
        outcome("u1", "Quiet", "unchanged"),
        outcome("f1", "Broken", "failed", error="server error (500)", kept_last_good=True),
        outcome("n1", "Fresh", "added", redacted=["x"], unredacted=[]),
        outcome("n2", "Exempt", "added", unredacted=["x"]),
    )
    prod = result(outcome("d1", "Gone", "removed"), name="Acme Prod")
    assert commit_message([dev, prod]) == (
        "Backup: 3 added, 2 changed, 1 renamed, 1 removed, 1 failed\n"
        "\n"
        "dify.example.com/acme-dev (Acme Dev)\n"
        "  added    Alpha (advanced-chat)\n"
        "  changed  Beta: 1 node changed, layout only\n"
        "  changed  Keys: 1 variable changed [redacted 2 credential-looking value(s)]\n"
        "  renamed  Old Gamma → Gamma: 1 node changed\n"
        "  failed   Broken: export failed, kept the last good file (server error (500))\n"
        "  added    Fresh (workflow) [redacted 1 credential-looking value(s)]\n"
        "  added    Exempt (workflow) [1 credential-looking value(s) kept: exempt by no_redact]\n"
        "\n"
        "dify.example.com/acme-prod (Acme Prod)\n"
        "  removed  Gone (d1; deleted, or its Service API was switched off)\n"
    )


def test_apps_resaved_without_changes_make_an_index_refresh_commit() -> None:
    message = commit_message(
        [
            result(
                outcome("u1", "One", "unchanged", exported=True),
                outcome("u2", "Two", "unchanged", exported=True),
                outcome("u3", "Skipped", "unchanged"),
            )
        ]
    )
    assert message == "Backup: index refreshed (2 app(s) re-saved without changes)\n"


def test_resaved_apps_do_not_change_a_subject_that_has_counts() -> None:
    message = commit_message(
        [result(outcome("u1", "One", "unchanged", exported=True), outcome("c1", "Two", "changed"))]
    )
    assert message.splitlines()[0] == "Backup: 1 changed"
    assert "One" not in message


def test_nothing_to_say() -> None:
    assert commit_message([result(outcome("u1", "One", "unchanged"))]) == "Backup: no changes\n"
    assert commit_message([]) == "Backup: no changes\n"


def test_failures_are_counted_in_the_subject_and_say_whether_a_file_was_kept() -> None:
    message = commit_message(
        [
            result(
                outcome("f1", "Broken", "failed", error="timed out", kept_last_good=True),
                outcome("f2", "Newborn", "failed", error="timed out"),
                outcome("u1", "Resaved", "unchanged", exported=True),
            )
        ]
    )
    assert message == (
        "Backup: index refreshed (1 app(s) re-saved without changes), 2 failed\n"
        "\n"
        "dify.example.com/acme-dev (Acme Dev)\n"
        "  failed   Broken: export failed, kept the last good file (timed out)\n"
        "  failed   Newborn: export failed, no file stored yet (timed out)\n"
    )


def test_a_rename_without_a_known_old_name_shows_the_new_name_only() -> None:
    message = commit_message([result(outcome("r1", "Gamma", "renamed"))])
    assert message.splitlines()[-1] == "  renamed  Gamma"


# -- backup_markdown ------------------------------------------------------------------------


def full_report() -> BackupReport:
    ops = result(
        outcome("1", "A|B", "added"),
        outcome(
            "2",
            "Beta",
            "changed",
            summary="1 node changed",
            redacted=["env.K: secret environment variable 'K' has a value"],
            changed_without_timestamp=True,
        ),
        outcome("3", "Gamma", "renamed", old_name="Alpha", summary="layout only"),
        outcome("4", "Delta", "removed"),
        outcome("5", "Eps", "failed", error="server error (500)", kept_last_good=True),
        outcome("7", "Keys", "added", unredacted=["env.K: secret environment variable 'K'"]),
        outcome("6", "Zeta", "unchanged", exported=True),
        name="Ops | Prod",
        directory="h/ops-prod",
        listed=5,
        reported_total=7,
        exports=4,
    )
    lab = result(name="Lab", directory="h/lab", error="listing apps failed: boom")
    return BackupReport(
        results=[ops, lab], commit="0123456789abcdef0123", pushed=True, recovered=["h/lab/a.yml"]
    )


def test_the_markdown_summary() -> None:
    assert backup_markdown(full_report()) == (
        "# Dify backup\n"
        "\n"
        "Commit: `0123456789ab` (pushed)\n"
        "\n"
        "| workspace | apps | exported | added | changed | renamed | removed | failed |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| Ops \\| Prod (h/ops-prod) | 5 | 4 | 2 | 1 | 1 | 1 | 1 |\n"
        "| Lab (h/lab) | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
        "| **total** |  |  | 2 | 1 | 1 | 1 | 1 |\n"
        "\n"
        "## Changes\n"
        "\n"
        "- **added** A\\|B (Ops \\| Prod): workflow\n"
        "- **changed** Beta (Ops \\| Prod): 1 node changed\n"
        "  - redacted 1 credential-looking value(s):\n"
        "    - env.K: secret environment variable 'K' has a value\n"
        "  - content changed although `updated_at` did not move\n"
        "- **renamed** Alpha → Gamma (Ops \\| Prod): layout only\n"
        "- **removed** Delta (Ops \\| Prod): workflow\n"
        "- **failed** Eps (Ops \\| Prod): server error (500); kept the last good file\n"
        "- **added** Keys (Ops \\| Prod): workflow\n"
        "  - committed 1 credential-looking value(s) unredacted (exempt by no_redact):\n"
        "    - env.K: secret environment variable 'K'\n"
        "\n"
        "## Workspaces that could not be read\n"
        "\n"
        "- Lab: listing apps failed: boom\n"
        "\n"
        "## Not visible to the backup\n"
        "\n"
        "- 2 app(s) of modes the OpenAPI does not list (agent, channel, rag-pipeline) were "
        "counted by the server but cannot be exported.\n"
        "- Dify's OpenAPI does not show apps whose Service API is switched off, so they are "
        "not backed up. To include one, open the app in Dify, go to API Access and enable it.\n"
        "\n"
        "Redid 1 file(s) left behind by an interrupted run.\n"
    )


def test_names_with_pipes_and_line_breaks_do_not_break_the_table() -> None:
    report = BackupReport(
        results=[
            result(
                outcome("1", "A|B\nC", "added"),
                name="a|b|c\nd",
                directory="h/abc",
                listed=1,
                exports=1,
            )
        ]
    )
    markdown = backup_markdown(report)
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 4  # header, rule, one workspace, total
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        assert len(cells) == 8, row
    assert rows[2] == "| a\\|b\\|c d (h/abc) | 1 | 1 | 1 | 0 | 0 | 0 | 0 |"
    assert "- **added** A\\|B C (a\\|b\\|c d): workflow" in markdown.splitlines()


def test_no_commit_and_nothing_unlisted() -> None:
    markdown = backup_markdown(BackupReport(results=[result(listed=2, reported_total=2)]))
    assert "No commit: nothing changed." in markdown.splitlines()
    assert "## Changes" not in markdown
    assert "counted by the server" not in markdown
    assert "Redid" not in markdown


def test_the_summary_and_message_carry_finding_descriptions_never_secret_values() -> None:
    secret = "tk-live-7Qm2Vx9LpA4sR8zzQ"
    exported = (
        "app:\n  mode: workflow\n  name: Keys\nkind: app\nversion: 0.3.0\nworkflow:\n"
        "  environment_variables:\n  - id: e1\n    name: TICKETING_API_KEY\n"
        f"    selector: [env, TICKETING_API_KEY]\n    value: {secret}\n    value_type: secret\n"
        "  graph:\n    edges: []\n    nodes: []\n"
    )
    prepared = prepare(exported, redact_it=True)
    assert prepared.redacted and secret not in prepared.text
    report = BackupReport(
        results=[result(outcome("k", "Keys", "added", redacted=prepared.findings), listed=1)],
        commit="f" * 40,
    )
    markdown = backup_markdown(report)
    assert "secret environment variable 'TICKETING_API_KEY' has a value" in markdown
    for rendered in (markdown, commit_message(report.results), report.model_dump_json()):
        assert secret not in rendered
        assert "tk-live" not in rendered


def test_the_flows_summary_counts_unchanged_apps_instead_of_listing_them() -> None:
    report = BackupReport(
        results=[
            result(
                outcome("u1", "One", "unchanged"),
                outcome("c1", "Two", "changed", summary="1 node changed"),
                outcome("u2", "Three", "unchanged", exported=True),
            )
        ],
        commit="abc",
    )
    summary = report.summary()
    results = summary["results"]
    assert isinstance(results, list)
    (workspace,) = results
    assert workspace["unchanged"] == 2
    assert [o["app_id"] for o in workspace["outcomes"]] == ["c1"]
    assert summary["commit"] == "abc"
    assert summary["totals"] == {"added": 0, "changed": 1, "renamed": 0, "removed": 0, "failed": 0}
