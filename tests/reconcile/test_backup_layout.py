"""Where a backup puts each app (`assign_paths` and the slugs behind it), and the
per-workspace index it reads back on the next run."""

from __future__ import annotations

import pytest
import yaml

from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    IndexEntry,
    WorkspaceIndex,
    assign_paths,
    dump_index,
    host_dir,
    parse_index,
    slug,
    workspace_dir,
)

DIRECTORY = "dify.example.com/acme-dev"
ALPHA_ID = "aaaaaaaa-0000-4000-8000-000000000001"
BETA_ID = "bbbbbbbb-0000-4000-8000-000000000002"
GAMMA_ID = "cccccccc-0000-4000-8000-000000000003"
DELTA_ID = "dddddddd-0000-4000-8000-000000000004"


def listing(app_id: str, name: str, updated_at: str = "2025-03-18T10:00:00") -> AppListing:
    return AppListing(id=app_id, name=name, mode="workflow", updated_at=updated_at)


def index_with(**paths_by_id: tuple[str, str]) -> WorkspaceIndex:
    """An index holding `app id → (name, file name)` entries under DIRECTORY."""
    index = WorkspaceIndex(host="dify.example.com", workspace_id="ws-1", workspace_name="Acme")
    for app_id, (name, file_name) in paths_by_id.items():
        index.apps[app_id] = IndexEntry(
            name=name, mode="workflow", path=f"{DIRECTORY}/{file_name}", content_hash="0" * 64
        )
    return index


def at(file_name: str) -> str:
    return f"{DIRECTORY}/{file_name}"


# -- host_dir, slug, workspace_dir ----------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://dify.example.com:8443/", "dify.example.com_8443"),
        ("https://dify.example.com", "dify.example.com"),
        ("http://Localhost", "localhost"),
        ("http://127.0.0.1:5001/v1", "127.0.0.1_5001"),
        ("https://user:pw@host.example/", "host.example"),  # never the credentials
        ("not a url", "dify"),
    ],
)
def test_host_dir_is_the_host_and_port_as_a_directory_name(base_url: str, expected: str) -> None:
    assert host_dir(base_url) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Support Ticket Triage", "support-ticket-triage"),
        ("  Hello,  World!  ", "hello-world"),
        ("Ünïcödé Café", "unicode-cafe"),
        ("Q&A bot", "q-a-bot"),
        ("Déjà vu: v2.0", "deja-vu-v2-0"),
        ("_index", "index"),  # never collides with _index.yml
        ("!!!", "app-abcdef12"),
        ("", "app-abcdef12"),
        ("a" * 70, "a" * 60),
        ("word " * 20, "-".join(["word"] * 12)),  # cut at a word boundary, within 60
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name, "abcdef1234567890") == expected


def test_workspace_dir_is_the_slug_and_stays_put_once_assigned() -> None:
    assert workspace_dir("h", "ws-1", "Acme Dev", {}) == "h/acme-dev"
    # Renamed workspace: keeps the directory it already has.
    assert workspace_dir("h", "ws-1", "Renamed", {"ws-1": "h/acme-dev"}) == "h/acme-dev"
    # Another workspace with the same name: id suffix.
    assert (
        workspace_dir("h", "ws-22222222", "Acme Dev", {"ws-1": "h/acme-dev"})
        == "h/acme-dev-ws-22222"
    )
    # A workspace without a usable name is named as one, never like an app.
    assert workspace_dir("h", "abcdef12-3456", "", {}) == "h/workspace-abcdef12"


# -- assign_paths ---------------------------------------------------------------------------


def test_new_apps_get_their_plain_slug() -> None:
    paths = assign_paths(
        DIRECTORY, [listing(ALPHA_ID, "Alpha"), listing(BETA_ID, "Beta Bot!")], index_with()
    )
    assert paths == {ALPHA_ID: at("alpha.yml"), BETA_ID: at("beta-bot.yml")}


def test_an_app_keeps_its_path_even_when_a_newcomer_with_the_same_name_sorts_first() -> None:
    index = index_with(**{BETA_ID: ("Alpha", "alpha.yml")})
    apps = [listing(ALPHA_ID, "Alpha"), listing(BETA_ID, "Alpha")]
    assert assign_paths(DIRECTORY, apps, index) == {
        BETA_ID: at("alpha.yml"),
        ALPHA_ID: at("alpha-aaaaaaaa.yml"),
    }


def test_two_new_apps_with_the_same_name_both_get_an_id_suffix() -> None:
    apps = [listing(BETA_ID, "Alpha"), listing(ALPHA_ID, "Alpha")]
    assert assign_paths(DIRECTORY, apps, index_with()) == {
        ALPHA_ID: at("alpha-aaaaaaaa.yml"),
        BETA_ID: at("alpha-bbbbbbbb.yml"),
    }


def test_a_suffixed_path_is_stable_after_the_other_app_is_gone() -> None:
    index = index_with(**{BETA_ID: ("Alpha", "alpha-bbbbbbbb.yml")})
    assert assign_paths(DIRECTORY, [listing(BETA_ID, "Alpha")], index) == {
        BETA_ID: at("alpha-bbbbbbbb.yml")
    }


def test_a_name_change_that_keeps_the_slug_keeps_the_file() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml")})
    assert assign_paths(DIRECTORY, [listing(ALPHA_ID, "ALPHA!")], index) == {
        ALPHA_ID: at("alpha.yml")
    }


def test_a_renamed_app_moves_to_its_new_slug() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml")})
    assert assign_paths(DIRECTORY, [listing(ALPHA_ID, "Gamma")], index) == {
        ALPHA_ID: at("gamma.yml")
    }


def test_a_deleted_apps_path_goes_to_a_new_app_of_the_same_name() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml")})
    assert assign_paths(DIRECTORY, [listing(GAMMA_ID, "Alpha")], index) == {
        GAMMA_ID: at("alpha.yml")
    }


def test_two_apps_swapping_names_swap_files() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml"), BETA_ID: ("Beta", "beta.yml")})
    apps = [listing(ALPHA_ID, "Beta"), listing(BETA_ID, "Alpha")]
    assert assign_paths(DIRECTORY, apps, index) == {
        ALPHA_ID: at("beta.yml"),
        BETA_ID: at("alpha.yml"),
    }


def test_a_rename_and_a_newcomer_taking_the_old_name() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml")})
    apps = [listing(ALPHA_ID, "Gamma"), listing(DELTA_ID, "Alpha")]
    assert assign_paths(DIRECTORY, apps, index) == {
        ALPHA_ID: at("gamma.yml"),
        DELTA_ID: at("alpha.yml"),
    }


def test_renaming_into_a_name_another_app_keeps_gets_a_suffix() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml"), BETA_ID: ("Beta", "beta.yml")})
    apps = [listing(ALPHA_ID, "Alpha"), listing(BETA_ID, "Alpha")]
    assert assign_paths(DIRECTORY, apps, index) == {
        ALPHA_ID: at("alpha.yml"),
        BETA_ID: at("alpha-bbbbbbbb.yml"),
    }


def test_a_nameless_app_gets_a_path_from_its_id() -> None:
    assert assign_paths(DIRECTORY, [listing(ALPHA_ID, "???")], index_with()) == {
        ALPHA_ID: at("app-aaaaaaaa.yml")
    }


def test_paths_do_not_depend_on_listing_order() -> None:
    index = index_with(**{ALPHA_ID: ("Alpha", "alpha.yml"), BETA_ID: ("Beta", "beta.yml")})
    apps = [
        listing(ALPHA_ID, "Beta"),
        listing(BETA_ID, "Alpha"),
        listing(GAMMA_ID, "Alpha"),
        listing(DELTA_ID, "Delta"),
    ]
    forward = assign_paths(DIRECTORY, apps, index)
    assert forward == assign_paths(DIRECTORY, list(reversed(apps)), index)
    assert len(set(forward.values())) == len(apps)


def test_same_named_apps_whose_ids_share_a_prefix_never_share_a_file() -> None:
    first = "a0000000-0000-4000-8000-000000000101"
    second = "a0000000-0000-4000-8000-000000000103"
    third = "a0000000-0000-4000-8000-000000000104"
    both_new = assign_paths(
        DIRECTORY, [listing(first, "Triage"), listing(second, "Triage")], index_with()
    )
    assert len(set(both_new.values())) == 2, both_new
    index = index_with(**{first: ("Triage", "triage.yml")})
    apps = [listing(first, "Triage"), listing(second, "Triage"), listing(third, "Triage")]
    one_kept = assign_paths(DIRECTORY, apps, index)
    assert one_kept[first] == at("triage.yml")
    assert len(set(one_kept.values())) == 3, one_kept
    # The next run finds every app at the path it was given: nothing moves.
    recorded = index_with(
        **{app_id: ("Triage", path.rsplit("/", 1)[1]) for app_id, path in one_kept.items()}
    )
    assert assign_paths(DIRECTORY, list(reversed(apps)), recorded) == one_kept


# -- the index ------------------------------------------------------------------------------

# Names a YAML 1.1 reader would turn into booleans, numbers, dates or null.
TRICKY = [
    "on",
    "yes",
    "No",
    "off",
    "12:30",
    "2025-03-18",
    "null",
    "~",
    "",
    "true",
    "0x1F",
    "1e3",
    ".inf",
    "0o17",
    "+1",
    "  padded ",
    "a: b",
    "# not a comment",
    "- dash",
    "'quoted'",
    'say "hi"',
    "two\nlines",
    "日本語",
    "|pipe",
    "@at",
    "*star",
    "&anchor",
    "!tag",
    "%percent",
    "{x}",
    "[y]",
]


def tricky_index() -> WorkspaceIndex:
    index = WorkspaceIndex(host="h", workspace_id="12345", workspace_name="on")
    for number, name in enumerate(TRICKY):
        app_id = str(1000 + number) if number % 2 else f"2025-03-{number:02d}"
        index.apps[app_id] = IndexEntry(
            name=name,
            mode="workflow",
            path=f"h/on/{number:02d}.yml",
            updated_at="12:30" if number % 3 == 0 else "2025-03-18",
            dsl_version="0.1" if number % 2 else "1",
            content_hash=("1" * 30 + "e" + "2" * 33) if number % 4 == 0 else "0" * 64,
            redacted=number % 5 == 0,
        )
    return index


def test_the_index_round_trips_names_that_look_like_other_yaml_types() -> None:
    index = tricky_index()
    text = dump_index(index)
    # A YAML 1.1 reader (PyYAML, as most users' scripts) reads the same strings too.
    expected = index.sorted().model_dump(mode="json", exclude={"apps": {"__all__": {"live"}}})
    assert yaml.safe_load(text) == expected  # `live` only for apps that have one
    back = parse_index(text)
    assert back is not None
    assert back == index.sorted()
    assert [entry.name for entry in back.apps.values()] == TRICKY  # order: by path
    assert back.workspace_id == "12345" and back.workspace_name == "on"
    for app_id, entry in back.apps.items():
        assert type(app_id) is str
        for value in (entry.name, entry.updated_at, entry.dsl_version, entry.content_hash):
            assert type(value) is str


def test_the_index_is_written_in_path_order_and_rewrites_identically() -> None:
    index = index_with(**{BETA_ID: ("Beta", "beta.yml"), ALPHA_ID: ("Alpha", "alpha.yml")})
    text = dump_index(index)
    assert text.startswith("# Written by `difyops backup`")
    assert text.index(ALPHA_ID) < text.index(BETA_ID)
    back = parse_index(text)
    assert back is not None and dump_index(back) == text
    assert INDEX_FILE == "_index.yml"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "\x00 binary",
        "apps: [unclosed",
        "- a list\n- not a mapping\n",
        "just a scalar",
        "host: h\nhost: twice\nworkspace_id: w\nworkspace_name: n\n",
        "host: h\nworkspace_id: w\nworkspace_name: n\nunknown_key: 1\n",
        "host: h\nworkspace_id: w\nworkspace_name: n\napps:\n  x:\n    name: no hash\n",
        "host: h\nworkspace_id: w\nworkspace_name: n\napps: null\n",
        "host: h\nworkspace_id: w\nworkspace_name: n\napps:\n\t- tab\n",
        "!!python/object/apply:os.system ['true']\n",
    ],
)
def test_a_damaged_index_reads_as_none(text: str | None) -> None:
    assert parse_index(text) is None
