"""Renderings of a `DslDiff`: plain text, Markdown and Rich (JSON is `DslDiff.to_json`)."""

from dsl.render.full_values import render_full_values
from dsl.render.markdown import render_markdown
from dsl.render.rich_view import render_rich
from dsl.render.text import render_text

__all__ = ["render_full_values", "render_markdown", "render_rich", "render_text"]
