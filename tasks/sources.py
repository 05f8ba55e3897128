"""Opening a client for a job's `Source` (a profile, a Prefect Secret block, or the
environment); the token is read here and never becomes a parameter."""

from __future__ import annotations

import threading

from pydantic import SecretStr

from dify_client import DifyClient, DifyError
from dify_client.profiles import resolve_credentials
from jobs.sources import Source

__all__ = ["open_client"]

# Secret blocks already read, by (flow run, block name): a run loads each block once, not
# once per task or client. Kept in this process only; a new run reads the block again.
_tokens: dict[tuple[str, str], SecretStr] = {}
_tokens_lock = threading.Lock()


def open_client(
    source: Source, *, rate_limit: int | None = None, max_retries: int | None = None
) -> DifyClient:
    """A client for `source`; the caller closes it."""
    if source.token_block:
        token = _token_from_block(source.token_block)
        return DifyClient(
            source.server or "", token, rate_limit=rate_limit, max_retries=max_retries
        )
    credentials = resolve_credentials(source.profile)
    return credentials.client(rate_limit=rate_limit, max_retries=max_retries)


def _token_from_block(name: str) -> SecretStr:
    run = _flow_run_id()
    with _tokens_lock:
        if run is not None and (run, name) in _tokens:
            return _tokens[(run, name)]
        token = _load_block(name)
        if run is not None:
            _tokens[(run, name)] = token
        return token


def _flow_run_id() -> str | None:
    from prefect.context import FlowRunContext  # noqa: PLC0415

    context = FlowRunContext.get()
    return str(context.flow_run.id) if context is not None and context.flow_run else None


def _load_block(name: str) -> SecretStr:
    # Imported here: only deployments use blocks, and loading one needs the Prefect API.
    from prefect.blocks.system import Secret  # noqa: PLC0415

    try:
        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]
    except ValueError as exc:  # Prefect's words for a block that is not there
        raise DifyError(
            f"cannot load the Secret block {name!r}: {exc}",
            hint="Create a Prefect Secret block of that name holding the Dify token, or "
            "fix the flow's token_block.",
        ) from None
    if not isinstance(block, Secret):
        raise DifyError(f"block {name!r} is not a Prefect Secret block")
    return SecretStr(str(block.get()))
