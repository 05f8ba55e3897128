"""The manifest's `promotion:` section: what validates, and every error at its place."""

from __future__ import annotations

import textwrap

import pytest

from reconcile.errors import ManifestError
from reconcile.promotion.manifest import GitSpec, PromotionSection, SideSpec, load_promotion_section


def load(text: str) -> PromotionSection:
    return load_promotion_section(textwrap.dedent(text).lstrip("\n"), source="promote.yml")


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as refused:
        load(text)
    return str(refused.value).splitlines()


def test_a_full_section_validates() -> None:
    section = load(
        """
        version: 1
        workspaces: []
        promotion:
          source:
            workspace: Acme Dev
            profile: dev
          target:
            workspace: Acme Prod
            profile: prod
            server: https://dify.acme.test
            token_block: acme-prod-token
          apps: ["Policy Helpdesk", "Support *"]
          modes: [workflow, advanced-chat]
          mapping:
            Policy Helpdesk: Policy Helpdesk (EU)
          confirm_pending: minor
          dependencies: fail
          recreate: true
        """
    )
    assert section == PromotionSection(
        source=SideSpec(workspace="Acme Dev", profile="dev"),
        target=SideSpec(
            workspace="Acme Prod",
            profile="prod",
            server="https://dify.acme.test",
            token_block="acme-prod-token",
        ),
        apps=["Policy Helpdesk", "Support *"],
        modes=["workflow", "advanced-chat"],
        mapping={"Policy Helpdesk": "Policy Helpdesk (EU)"},
        confirm_pending="minor",
        dependencies="fail",
        recreate=True,
    )


def test_defaults_of_a_minimal_section() -> None:
    section = load(
        """
        version: 1
        promotion:
          source: {workspace: Acme Dev}
          target: {workspace: Acme Prod}
        """
    )
    assert (section.apps, section.modes, section.mapping) == ([], [], {})
    assert (section.confirm_pending, section.dependencies, section.recreate) == (
        "never",
        "warn",
        False,
    )


def test_a_git_source() -> None:
    section = load(
        """
        version: 1
        promotion:
          source:
            git: {repo: ./backup, ref: v2024.06, path: dify.acme.test/acme-dev}
          target: {workspace: Acme Prod}
        """
    )
    assert section.source == SideSpec(
        git=GitSpec(repo="./backup", ref="v2024.06", path="dify.acme.test/acme-dev")
    )


def test_git_defaults() -> None:
    section = load(
        """
        version: 1
        promotion:
          source: {git: {}}
          target: {workspace: Acme Prod}
        """
    )
    assert section.source.git == GitSpec(repo=".", ref="HEAD", path=None)


@pytest.mark.parametrize("version", ["2", "'1'", "", "0"])
def test_the_version_must_be_1(version: str) -> None:
    assert problems(
        f"""
        version: {version}
        promotion:
          source: {{workspace: a}}
          target: {{workspace: b}}
        """
    ) == ["promote.yml:1:1: version: must be 1"]


def test_a_boolean_is_not_version_1() -> None:
    assert problems(
        """
        version: true
        promotion:
          source: {workspace: a}
          target: {workspace: b}
        """
    ) == ["promote.yml:1:1: version: must be 1"]


def test_top_level_problems_are_reported_together() -> None:
    assert problems(
        """
        # a manifest with three top-level problems
        promotions:
          source: {workspace: a}
        members: []
        """
    ) == [
        "promote.yml:2:1: promotions: unknown key (expected one of version, workspaces, promotion)",
        "promote.yml:4:1: members: unknown key (expected one of version, workspaces, promotion)",
        "promote.yml:1:1: version: must be 1",
        "promote.yml:1:1: there is no `promotion:` section",
    ]


def test_a_members_only_manifest_has_no_promotion_section() -> None:
    assert problems(
        """
        version: 1
        workspaces: []
        """
    ) == ["promote.yml:1:1: there is no `promotion:` section"]


def test_problems_inside_the_section_are_reported_together() -> None:
    assert problems(
        """
        version: 1
        promotion:
          source:
            workspace: Acme Dev
            git: {ref: main}
          target:
            workspace: Acme Prod
            tokn: x
          modes: [workflow, chatbot]
          confirm_pending: sometimes
          dependencies: ignore
          recreate: maybe
          apps: Support
          mapping: [a]
          recreat: true
        """
    ) == [
        "promote.yml:3:3: promotion.source: give either `workspace` or `git`",
        "promote.yml:8:5: promotion.target.tokn: unknown key (check its spelling)",
        "promote.yml:13:3: promotion.apps: Input should be a valid list",
        "promote.yml:9:21: promotion.modes.1: Input should be 'workflow', 'advanced-chat', "
        "'chat', 'agent-chat', 'completion' or 'agent'",
        "promote.yml:14:3: promotion.mapping: Input should be a valid dictionary",
        "promote.yml:10:3: promotion.confirm_pending: Input should be 'never', 'minor' or 'always'",
        "promote.yml:11:3: promotion.dependencies: Input should be 'warn' or 'fail'",
        "promote.yml:12:3: promotion.recreate: Input should be a valid boolean, unable to "
        "interpret input",
        "promote.yml:15:3: promotion.recreat: unknown key (did you mean 'recreate'?)",
    ]


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        (
            "source: {}\n  target: {workspace: b}",
            "promote.yml:3:3: promotion.source: give either `workspace` or `git`",
        ),
        (
            "source: {workspace: a, git: {ref: main}}\n  target: {workspace: b}",
            "promote.yml:3:3: promotion.source: give either `workspace` or `git`",
        ),
        (
            "source: {git: {ref: main}, profile: dev}\n  target: {workspace: b}",
            "promote.yml:3:3: promotion.source: a git source takes no credentials",
        ),
        (
            "source: {git: {ref: main}, server: 'https://x.test'}\n  target: {workspace: b}",
            "promote.yml:3:3: promotion.source: a git source takes no credentials",
        ),
        (
            "source: {git: {ref: main}, token_block: blk}\n  target: {workspace: b}",
            "promote.yml:3:3: promotion.source: a git source takes no credentials",
        ),
        (
            "source: {workspace: a}\n  target: {git: {ref: main}}",
            "promote.yml:2:1: promotion: the target must be a workspace (`workspace:`), not git",
        ),
        (
            "source: {workspace: a}\n  target: {workspace: b, git: {ref: main}}",
            "promote.yml:4:3: promotion.target: give either `workspace` or `git`",
        ),
        ("target: {workspace: b}", "promote.yml:2:1: promotion.source: Field required"),
        (
            "source: {workspace: a}\n  target: {workspace: b, git: {ref: main, branch: x}}",
            "promote.yml:4:43: promotion.target.git.branch: unknown key (check its spelling)",
        ),
    ],
)
def test_sides(sides: str, expected: str) -> None:
    assert problems(f"version: 1\npromotion:\n  {sides}\n") == [expected]


def test_an_empty_section_is_refused() -> None:
    assert problems("version: 1\npromotion:\n") == [
        "promote.yml:2:1: promotion: Input should be a valid dictionary or instance of "
        "PromotionSection"
    ]


@pytest.mark.parametrize("text", ["", "- version: 1\n", "just text\n"])
def test_a_manifest_is_a_mapping(text: str) -> None:
    with pytest.raises(ManifestError) as refused:
        load_promotion_section(text, source="promote.yml")
    assert str(refused.value) == "promote.yml:1:1: a manifest is a mapping with `version: 1`"


def test_invalid_yaml_is_reported_with_its_position() -> None:
    with pytest.raises(ManifestError) as refused:
        load_promotion_section("version: 1\npromotion: [\n", source="promote.yml")
    assert str(refused.value) == (
        "promote.yml:3:1: invalid YAML: while parsing a flow node, expected the node content, "
        "but found '<stream end>'"
    )


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ManifestError, match=r"^promote\.yml:3:1: invalid YAML: .*duplicate"):
        load_promotion_section("version: 1\npromotion: {}\npromotion: {}\n", source="promote.yml")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("version: 1\npromotion: [\n", "Fix the YAML syntax at that place."),
        ("version: 1\npromotion:\n  source: {workspace: Dev}\n", "README (Promotion)"),
        ("version: 2\npromotion: {}\n", "README (Promotion)"),
        ("[]\n", "README (Promotion)"),
        ("bomb: &a [1]\nmore: [*a, *a]\nversion: !!int xyz\n", "Fix the YAML syntax"),
    ],
    ids=["yaml", "section", "top-level", "not-a-mapping", "unconstructible"],
)
def test_every_manifest_error_comes_with_a_hint(text: str, hint: str) -> None:
    # One line and a hint (issue 14): the CLI prints the hint under the located line.
    with pytest.raises(ManifestError) as refused:
        load_promotion_section(text, source="promote.yml")
    assert refused.value.hint is not None and hint in refused.value.hint
    assert str(refused.value).startswith("promote.yml:")


def test_a_key_with_a_line_break_is_quoted_so_each_problem_stays_one_line() -> None:
    # Found by the hostile-input fuzz: a key "\n" printed as is split a problem in two.
    text = (
        'version: 1\n"a\\nb": 1\n'
        "promotion:\n  source: {workspace: Dev}\n  target: {workspace: Prod}\n"
        '  "\\t": 2\n'
    )
    with pytest.raises(ManifestError) as refused:
        load_promotion_section(text, source="promote.yml")
    assert refused.value.message.splitlines() == [
        "promote.yml:2:1: 'a\\nb': unknown key (expected one of version, workspaces, promotion)",
        "promote.yml:6:3: promotion.'\\t': unknown key (check its spelling)",
    ]
