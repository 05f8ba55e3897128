"""Canonical text: the bytes Dify's exporter would write for a document.

Dify exports with ``yaml.dump(export_data, allow_unicode=True)`` and nothing else
(dsl-format.md §1): PyYAML's pure-Python emitter, keys sorted, block style, 2-space
indent, long strings folded near 80 columns. An untouched export therefore reproduces
itself byte for byte through load + dump, and any two documents with the same data have
the same canonical text — which is what backups store and hash.

Early (0.1.0) exports were dumped without ``allow_unicode`` and spell every non-ASCII
character as a ``\\uXXXX`` escape; their canonical text is the modern raw-UTF-8 form, so
text diffs across DSL versions compare like with like. ``legacy_ascii=True`` reproduces the
old form, for checking that such a file is untouched.

Only the pure-Python dumper is used: libyaml's emitter folds and quotes differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import yaml

from dsl.document import DslDocument, as_data, load_text
from dsl.errors import DslError


def canonical_text(document: DslDocument | Mapping[str, Any], *, legacy_ascii: bool = False) -> str:
    """The YAML Dify's exporter writes for this document's data."""
    data = as_data(document)
    try:
        return yaml.dump(  # SafeDumper: same bytes as yaml.Dumper for plain data, no objects
            data if isinstance(data, dict) else dict(data),
            Dumper=yaml.SafeDumper,
            allow_unicode=not legacy_ascii,
        )
    except (TypeError, yaml.YAMLError) as error:
        raise DslError(f"cannot write the canonical text of this document: {error}") from None


def content_hash(document: DslDocument | Mapping[str, Any] | str) -> str:
    """SHA-256 (hex) of the canonical text; text is loaded as a DSL first.

    Two exports of the same app state hash the same whether they were saved as bare YAML,
    as the JSON export body, or with ASCII escapes.
    """
    if isinstance(document, str):
        document = load_text(document)
    return hashlib.sha256(canonical_text(document).encode("utf-8")).hexdigest()


def is_canonical(document: DslDocument) -> bool:
    """True when the document's YAML is already byte-identical to its canonical text."""
    return document.text == canonical_text(document)
