"""Opening a client for a job's `Source` (a profile, a Prefect Secret block, or the
environment); the token is read here and never becomes a parameter."""

from __future__ import annotations

from pydantic import SecretStr

from dify_client import DifyClient
from dify_client.profiles import resolve_credentials
from jobs.sources import Source

__all__ = ["open_client"]


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
    # Imported here: only deployments use blocks, and loading one needs the Prefect API.
    from prefect.blocks.system import Secret  # noqa: PLC0415

    block = Secret.load(name, _sync=True)  # type: ignore[call-arg]
    if not isinstance(block, Secret):
        raise TypeError(f"block {name!r} is not a Prefect Secret block")
    return SecretStr(str(block.get()))
