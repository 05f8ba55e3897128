"""template-transform: a Jinja2 render in `SandboxedEnvironment`.

Dify renders in its code sandbox; here the sandbox is Jinja2's own: attribute access to
dunders (`__class__.__mro__`, `__globals__`) raises SecurityError, and no module (os,
subprocess) is reachable from the template's namespace. A refused or broken template
fails the node with the reason, as a failing sandbox run fails it in Dify.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

_ENVIRONMENT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


class TemplateFailed(Exception):
    pass


def render_jinja(template: str, variables: dict[str, Any]) -> str:
    try:
        return _ENVIRONMENT.from_string(template or "").render(**variables)
    except TemplateError as exc:
        raise TemplateFailed(f"{type(exc).__name__}: {exc}") from exc
    except (TypeError, ValueError, AttributeError, KeyError, ZeroDivisionError) as exc:
        raise TemplateFailed(f"{type(exc).__name__}: {exc}") from exc
