"""Benchmark the DSL pipeline against a plain YAML parse, over the shared corpus.

For every corpus file that loads, the pipeline is: load the file's text, load a copy with
one node edited, normalise both and diff them (`dsl.diff_documents`). The baseline is
plain `yaml.safe_load` of the same file texts. Both are timed in the same run, for
several interleaved rounds, and compared by their medians (the machine is noisy).

Target: the pipeline costs at most 3x the plain parse. Exits 1 when it misses, 0 when it
meets it or when the corpus (../shared/dsl-corpus, outside the repository) is absent.

    .venv/bin/python bench/dsl_diff.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

import yaml
from _common import SHARED_DIR, median, milliseconds, timed

from dsl import DslError, canonical_text, diff_documents, load_text
from dsl.graph import node_data, nodes_of
from dsl.tree import copy_tree

CORPUS_DIR = SHARED_DIR / "dsl-corpus"
TARGET_RATIO = 3.0


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    edited_text: str


def edited_copy(data: dict[str, Any]) -> dict[str, Any]:
    """The document with one node's title changed (or, without a graph, the pre-prompt)."""
    copy: dict[str, Any] = copy_tree(data)
    nodes = [node for node in nodes_of(copy) if node_data(node)]
    if nodes:
        payload = node_data(nodes[len(nodes) // 2])
        payload["title"] = f"{payload.get('title', '')} (edited)"
    else:
        model_config = copy.setdefault("model_config", {})
        model_config["pre_prompt"] = f"{model_config.get('pre_prompt', '')} (edited)"
    return copy


def load_cases() -> tuple[list[Case], list[str]]:
    cases, skipped = [], []
    for path in sorted(CORPUS_DIR.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        try:
            document = load_text(text, source=path.name)
        except DslError:
            skipped.append(path.name)
            continue
        cases.append(Case(path.name, text, canonical_text(edited_copy(document.data))))
    return cases, skipped


def pipeline(case: Case) -> None:
    old = load_text(case.text, source=case.name)
    new = load_text(case.edited_text, source=case.name)
    diff = diff_documents(old, new)
    if diff.summary() not in ("1 node changed", "model config changed"):
        raise SystemExit(f"{case.name}: unexpected diff: {diff.summary()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    if not CORPUS_DIR.is_dir():
        print(f"skipped: DSL corpus not found at {CORPUS_DIR}")
        return 0
    cases, skipped = load_cases()
    largest = max(cases, key=lambda case: len(case.text.encode("utf-8")))
    parse_totals: list[float] = []
    pipeline_totals: list[float] = []
    largest_times: list[float] = []
    largest_docs = (load_text(largest.text), load_text(largest.edited_text))
    largest_diff_times: list[float] = []
    for _ in range(rounds):
        parse_totals.append(sum(timed(lambda c=case: yaml.safe_load(c.text)) for case in cases))
        pipeline_totals.append(sum(timed(lambda c=case: pipeline(c)) for case in cases))
        largest_times.append(timed(lambda: pipeline(largest)))
        largest_diff_times.append(timed(lambda: diff_documents(*largest_docs)))
    parse, full = median(parse_totals), median(pipeline_totals)
    ratio = full / parse
    print(
        f"corpus: {len(cases)} files ({len(skipped)} not loadable, skipped: "
        f"{', '.join(skipped) or 'none'}); {rounds} rounds, medians"
    )
    print(f"plain yaml.safe_load:              {milliseconds(parse)}")
    print(f"load + normalise + diff (2 docs):  {milliseconds(full)}")
    print(f"ratio: {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x)")
    size = len(largest.text.encode("utf-8"))
    print(
        f"largest file: {largest.name} ({size:,} bytes): load + normalise + diff "
        f"{milliseconds(median(largest_times))}, of which normalise + diff "
        f"{milliseconds(median(largest_diff_times))}"
    )
    if ratio > TARGET_RATIO:
        print("FAILED: the pipeline is slower than the target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
