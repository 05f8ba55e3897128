"""The exception family of the DSL layer.

Every error raised by `dsl` derives from `DslError`, so callers can catch the whole layer
in one place. Errors that point into a document carry its source name and a 1-based line
and column, and render as ``<source>:<line>:<column>: <message>`` like a compiler would,
so editors and CI logs make them clickable.
"""

from __future__ import annotations

from typing import Any


class DslError(Exception):
    """Root of every error raised by the `dsl` package; `hint` says what to do, if known."""

    hint: str | None = None

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*args)
        self.hint = hint


class DslParseError(DslError):
    """A document could not be loaded; points at the place that is wrong.

    `message` says what is wrong; `hint`, when present, says what to do about it. Both are
    plain text and never contain secret values from the document.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str,
        line: int = 1,
        column: int = 1,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(str(self), hint=hint)

    def __str__(self) -> str:
        text = f"{self.source}:{self.line}:{self.column}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor arguments need help to survive pickling (Prefect
        # serialises task exceptions).
        return (
            _rebuild_parse_error,
            (type(self), self.message, self.source, self.line, self.column, self.hint),
        )


class DslStructureError(DslParseError):
    """The text is valid YAML but not a Dify app DSL (wrong kind, missing `app`, ...)."""


def _rebuild_parse_error(
    cls: type[DslParseError],
    message: str,
    source: str,
    line: int,
    column: int,
    hint: str | None,
) -> DslParseError:
    return cls(message, source=source, line=line, column=column, hint=hint)


def marked_error_details(error: Any) -> tuple[int, int, str]:
    """1-based line, column and message of a YAML library's marked error (PyYAML's and
    ruamel's `MarkedYAMLError` have the same attributes)."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    parts = [str(part).strip() for part in (error.context, error.problem) if part]
    return line, column, ", ".join(parts) or "invalid YAML"
