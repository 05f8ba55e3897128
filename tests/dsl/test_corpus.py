"""The shared corpus of real-world DSLs (../shared/dsl-corpus): every done-when check.

The corpus lives outside the repository; these tests skip when it is absent. Which files
are untouched exports comes from the notes column of its SOURCES.tsv.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from dsl import (
    DslDocument,
    DslParseError,
    Severity,
    canonical_text,
    check_document,
    content_hash,
    diff_documents,
    find_secrets,
    load_file,
    load_text,
    normalize,
    redact,
)
from tests.dsl.conftest import read_sources

pytestmark = pytest.mark.corpus

UNICODE_EXPORT = "byte-identical to yaml.dump(allow_unicode=True)"
ASCII_EXPORT = "byte-identical to yaml.dump() with ASCII"
NOT_AN_APP = "dify__minimal_not_an_app.yml"


@pytest.fixture(scope="module")
def sources(corpus_dir: Path) -> dict[str, str]:
    """file name → notes."""
    return {row["file"]: row["notes"] for row in read_sources(corpus_dir)}


@pytest.fixture(scope="module")
def documents(corpus_dir: Path, sources: dict[str, str]) -> dict[str, DslDocument]:
    loaded = {}
    for name in sources:
        if name != NOT_AN_APP:
            loaded[name] = load_file(corpus_dir / name)
    return loaded


def test_every_file_loads_or_fails_with_a_located_error(
    corpus_dir: Path, sources: dict[str, str]
) -> None:
    assert len(sources) == 71
    failures = {}
    for name in sources:
        try:
            load_file(corpus_dir / name)
        except DslParseError as error:
            failures[name] = error
    assert list(failures) == [NOT_AN_APP]
    rejection = failures[NOT_AN_APP]
    assert (rejection.line, rejection.column) == (1, 1)
    assert str(rejection) == (
        f"{corpus_dir / NOT_AN_APP}:1:1: not a Dify app DSL: there is no top-level 'app' "
        "mapping (top-level keys: meta, nodes, edges); export the app from Dify "
        "(app menu → Export DSL)"
    )


def test_broken_selector_fixture_fails_the_check(
    corpus_dir: Path, documents: dict[str, DslDocument]
) -> None:
    report = check_document(documents["lazeyliu__broken-selector.yml"])
    assert not report.ok
    assert [(p.code, p.line, p.column, p.message) for p in report.problems] == [
        (
            "dangling-edge",
            33,
            17,
            "edge broken-edge: target 'missing_node' is not a node of this graph",
        ),
        (
            "dangling-reference",
            28,
            31,
            "node \"End\" refers to [missing_node, text], but there is no node 'missing_node'",
        ),
    ]


def test_untouched_exports_round_trip_byte_for_byte(
    sources: dict[str, str], documents: dict[str, DslDocument]
) -> None:
    untouched = [name for name, notes in sources.items() if UNICODE_EXPORT in notes]
    assert len(untouched) == 48
    wrapped = [name for name in untouched if documents[name].wrapped]
    assert len(wrapped) == 6, "inner YAML of the JSON-wrapped exports is covered too"
    mismatched = [
        name for name in untouched if canonical_text(documents[name]) != documents[name].text
    ]
    assert mismatched == []


def test_early_ascii_exports_round_trip_and_canonicalise_to_utf8(
    sources: dict[str, str], documents: dict[str, DslDocument]
) -> None:
    legacy = [name for name, notes in sources.items() if ASCII_EXPORT in notes]
    assert len(legacy) == 9
    for name in legacy:
        document = documents[name]
        assert document.version == "0.1.0"
        assert canonical_text(document, legacy_ascii=True) == document.text, name
        modern = canonical_text(document)
        assert modern != document.text and "\\u" not in modern, name
        assert yaml.safe_load(modern) == document.data, name
    sample = canonical_text(documents["svcvit__zhong-yi-ying.yml"])
    assert "中译英" in sample


def test_hand_edited_files_are_not_canonical(
    sources: dict[str, str], documents: dict[str, DslDocument]
) -> None:
    for name, notes in sources.items():
        if "not in canonical export formatting" in notes and name in documents:
            assert canonical_text(documents[name]) != documents[name].text, name


def test_wrapped_and_bare_forms_hash_the_same(
    corpus_dir: Path, documents: dict[str, DslDocument]
) -> None:
    name = "ida29__deepresearch-workflow.yml"
    raw = (corpus_dir / name).read_text(encoding="utf-8")
    inner = json.loads(raw)["data"]
    assert content_hash(raw) == content_hash(inner) == content_hash(documents[name])


def test_fast_loader_sees_what_dify_sees(documents: dict[str, DslDocument]) -> None:
    # Dify parses with the pure-Python SafeLoader; our C fast path must agree exactly.
    for name, document in documents.items():
        assert yaml.load(document.text, Loader=yaml.SafeLoader) == document.data, name


def test_normalisation_is_idempotent_on_the_whole_corpus(
    documents: dict[str, DslDocument],
) -> None:
    for name, document in documents.items():
        for ignore_position in (False, True):
            once = normalize(document, ignore_position=ignore_position)
            assert normalize(once, ignore_position=ignore_position) == once, name
        assert diff_documents(document, document).is_empty, name


def test_nightly_exports_of_an_unchanged_app_have_no_behaviour_change(
    documents: dict[str, DslDocument],
) -> None:
    old = documents["ida29__speckit-v13-workflow-cbbc6ea.yml"]
    new = documents["ida29__speckit-v13-workflow-5c98696.yml"]
    assert old.text != new.text, "the exports differ on the canvas"
    diff = diff_documents(old, new)
    assert diff.is_empty
    assert diff.summary() == "no behaviour change"


def test_translation_revisions_differ_by_one_selector(documents: dict[str, DslDocument]) -> None:
    diff = diff_documents(
        documents["svcvit__translation_workflow.yml"],
        documents["svcvit__translation_workflow-5a6a914.yml"],
    )
    assert diff.summary() == "1 node changed"
    (change,) = diff.nodes
    assert (change.title, change.node_type) == ("TRANSLATION", "llm")
    (field,) = change.fields
    assert field.field == "prompt_template[0].text"
    assert field.old.replace("source_text#}}", "source_lang#}}") == field.new
    assert not diff.breaking and not diff.edges and not diff.app


def test_sql_creator_revisions_differ_in_the_model_name(documents: dict[str, DslDocument]) -> None:
    diff = diff_documents(
        documents["xzxy__sql-creator-8a1d56c.yml"], documents["xzxy__sql-creator.yml"]
    )
    (change,) = diff.model_config
    assert (change.change.field, change.change.old, change.change.new) == (
        "model.name",
        "gpt-4.1-mini",
        "gpt-41-mini",
    )


def test_secrets_in_the_corpus(documents: dict[str, DslDocument]) -> None:
    findings = {name: find_secrets(document) for name, document in documents.items()}
    counts = Counter({name: len(found) for name, found in findings.items() if found})
    # The audit-llm SQL tool nodes carry a typed-in database password (secret-input); the
    # KnowledgeDeepResearchChat secret variable was exported blank and its http-request
    # node uses {{#env.app_key#}}, so neither counts.
    assert counts == {
        "auditllm__shuju-fenxi-gongzuoliu1.yml": 4,
        "auditllm__transfer-shuju-fenxi-gongzuoliu1.yml": 4,
        "auditllm__trasnfered-shuju-fenxi-gongzuoliu1.yml": 3,
    }
    kinds = {finding.kind for found in findings.values() for finding in found}
    assert kinds == {"tool-secret-parameter"}
    for name, document in documents.items():
        redacted = redact(document, findings[name])
        assert find_secrets(redacted) == [], name
        assert redact(redacted) == redacted, name


def test_check_has_no_false_alarms_on_real_exports(documents: dict[str, DslDocument]) -> None:
    unexpected = []
    for name, document in documents.items():
        for problem in check_document(document, current_version="0.6.0").problems:
            if problem.severity is Severity.INFO or problem.code == "secret":
                continue
            unexpected.append((name, problem.code, problem.message))
    assert unexpected == [
        (
            "lazeyliu__broken-selector.yml",
            "dangling-edge",
            "edge broken-edge: target 'missing_node' is not a node of this graph",
        ),
        (
            "lazeyliu__broken-selector.yml",
            "dangling-reference",
            "node \"End\" refers to [missing_node, text], but there is no node 'missing_node'",
        ),
        (
            "yzmw123__10-agent-app.yml",
            "compatibility",
            "DSL 0.7.0 on a server at 0.6.0: newer DSL version, or an older major one: Dify holds "
            "the import until it is confirmed",
        ),
    ]


def test_canonical_text_loads_back_to_the_same_document(documents: dict[str, DslDocument]) -> None:
    for name, document in documents.items():
        again = load_text(canonical_text(document), source=name)
        assert again.data == document.data, name
        assert diff_documents(document, again).is_empty, name
