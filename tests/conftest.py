"""Test-wide isolation.

Every test runs with no `DIFY_*`/`DIFYOPS_*` variables from the caller's shell, a private
config directory, no OS keyring, and a Prefect home in a temporary directory, so nothing a
developer has configured can leak into (or be damaged by) the suite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import figures

# Prefect reads these when it is first imported, which happens while tests are collected;
# they must be in place before any test module imports it.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="difyops-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_DIR / "prefect-home")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
CORPUS_DIR = SHARED_DIR / "dsl-corpus"

pytest_plugins = ["tests.support.fixtures"]

# `pytest -m "not slow"` is the quick run (seconds; the whole suite takes ~100 s). Marked
# here by place and fixture rather than in each file, so a new test in a slow tier is slow
# without anyone remembering to say so: the Prefect flows, the CLI over the emulator, the
# client against the emulator over HTTP (contract), the DSL corpus, schemathesis, the
# long property runs, and the emulator run as a subprocess.
TESTS_DIR = Path(__file__).resolve().parent
SLOW_DIRECTORIES = ("flows", "cli", "contract", "reliability")
SLOW_MODULES = (
    "emulator/test_schemathesis.py",
    "emulator/test_persistence_and_cli.py",
    # Hypothesis runs of hundreds of generated graphs and backups: seconds each.
    "emulator/test_execution_fuzz.py",
    "reconcile/test_backup_files_property.py",
)
SLOW_FIXTURES = frozenset({"prefect_harness", "corpus_dir"})
SLOW_MARKERS = ("corpus",)


# Tiers whose every emulator-backed test runs against both Dify API generations.
_BOTH_GENERATIONS = ("contract", "cli", "flows")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test of those tiers that uses the emulator runs on S2 and on S3, unless it is
    marked `@pytest.mark.generations("s2")` (a test of one generation's surface)."""
    if "emulator" not in metafunc.fixturenames:
        return
    tier = Path(str(metafunc.definition.path)).parent.name
    marker = metafunc.definition.get_closest_marker("generations")
    if marker is None and tier not in _BOTH_GENERATIONS:
        return
    generations = list(marker.args) if marker else ["s2", "s3"]
    metafunc.parametrize("api_generation", generations, indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability suites' figures (tests/support/figures.py), one line per part."""
    lines = figures.recorded()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)


def is_slow(item: pytest.Item) -> bool:
    where = item.path.relative_to(TESTS_DIR).as_posix()
    fixtures = set(getattr(item, "fixturenames", ()))
    return (
        where.split("/")[0] in SLOW_DIRECTORIES
        or where in SLOW_MODULES
        or bool(fixtures & SLOW_FIXTURES)
        or any(item.get_closest_marker(name) for name in SLOW_MARKERS)
    )


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("DIFY_", "DIFYOPS_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DIFYOPS_CONFIG_DIR", str(tmp_path / "difyops-config"))
    # The null backend makes keyring report "no keyring", so credentials take the
    # file path; tests that exercise a keyring install a fake one explicitly.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    yield


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"DSL corpus not found at {CORPUS_DIR} (it lives outside the repository)")
    return CORPUS_DIR
