"""Prefect tasks: the side effects (Dify API calls, git, artifacts).

Tasks take plain, serialisable parameters (a source description, a workspace id, paths)
and build their clients inside, so no live client or token ever becomes a task input.
Each task's plain function is reachable as `.fn`, which is how the CLI runs the same work
without a Prefect server.

Retries live in one place, the client (`dify_client`: 429, 5xx and connection errors, with
Retry-After and backoff); tasks add none on top, so one call is never retried twice over.
"""
