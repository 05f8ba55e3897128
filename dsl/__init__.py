"""Dify app DSL documents: load, canonical text, normalise, semantic diff, secrets, checks.

Pure: no HTTP, git, Prefect or file writes; nothing happens at import time. The only file
access is `load_file`/`check_file`/`diff_files` reading the paths they are given.

Typical use::

    old, new = load_file("backup/app.yml"), load_text(exported_text, source="app:1234")
    diff = diff_documents(old, new)
    print(diff.summary())            # "1 node changed, 1 edge removed"
    print(render_text(diff))
"""

from dsl.breaking import find_breaking_changes
from dsl.canonical import canonical_text, content_hash, is_canonical
from dsl.check import (
    CheckReport,
    Problem,
    Severity,
    check_document,
    check_file,
    check_stream,
    render_check_text,
)
from dsl.compat import ImportCompatibility, check_compatibility
from dsl.diff_engine import diff_documents, diff_files
from dsl.diff_model import (
    BreakingChange,
    Category,
    ChangeKind,
    DependencyChange,
    DslDiff,
    EdgeChange,
    FieldChange,
    NodeChange,
    SectionChange,
    VariableChange,
)
from dsl.document import (
    DEFAULT_DSL_VERSION,
    KNOWN_APP_MODES,
    DslDocument,
    check_import_text,
    load_file,
    load_text,
    read_text_file,
    read_text_stream,
)
from dsl.errors import DslError, DslParseError, DslStructureError
from dsl.normalize import RULES, NormalizationRule, normalize
from dsl.render import render_full_values, render_markdown, render_rich, render_text
from dsl.secrets import (
    REDACTED_PLACEHOLDER,
    SecretFinding,
    find_secrets,
    may_contain_secrets,
    redact,
)
from dsl.workspace import WORKSPACE_BOUND_MARKER, WorkspaceBoundRef, workspace_bound_refs
from dsl.yaml_io import dump_roundtrip, load_roundtrip, make_yaml, position_at

__all__ = [
    "DEFAULT_DSL_VERSION",
    "KNOWN_APP_MODES",
    "REDACTED_PLACEHOLDER",
    "RULES",
    "WORKSPACE_BOUND_MARKER",
    "BreakingChange",
    "Category",
    "ChangeKind",
    "CheckReport",
    "DependencyChange",
    "DslDiff",
    "DslDocument",
    "DslError",
    "DslParseError",
    "DslStructureError",
    "EdgeChange",
    "FieldChange",
    "ImportCompatibility",
    "NodeChange",
    "NormalizationRule",
    "Problem",
    "SecretFinding",
    "SectionChange",
    "Severity",
    "VariableChange",
    "WorkspaceBoundRef",
    "canonical_text",
    "check_compatibility",
    "check_document",
    "check_file",
    "check_import_text",
    "check_stream",
    "content_hash",
    "diff_documents",
    "diff_files",
    "dump_roundtrip",
    "find_breaking_changes",
    "find_secrets",
    "is_canonical",
    "load_file",
    "load_roundtrip",
    "load_text",
    "make_yaml",
    "may_contain_secrets",
    "normalize",
    "position_at",
    "read_text_file",
    "read_text_stream",
    "redact",
    "render_check_text",
    "render_full_values",
    "render_markdown",
    "render_rich",
    "render_text",
    "workspace_bound_refs",
]
