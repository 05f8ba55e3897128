"""When to retry a request, and how long to wait first. Pure: no I/O, no clock of its own.

The rules (ARCHITECTURE house rule 4, issue "retries in one place"):
- idempotent methods are retried on 429, 5xx and transport errors;
- POST is retried only on 429 (Dify counts the limit before it looks at the request, so a
  rejected call did nothing) or when the request provably never reached the server;
- 409 and every other 4xx are final;
- a server-given wait (`Retry-After`, `retry_after_ms`) is honoured up to a cap; above the
  cap we give up at once rather than sleep for minutes unseen;
- otherwise exponential backoff with jitter.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass, field

from dify_client._constants import (
    DEFAULT_MAX_RETRIES,
    INITIAL_RETRY_DELAY_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    MAX_RETRY_DELAY_SECONDS,
)

# PATCH is here because Dify's only PATCH (S3's set.workspace.member_role, which replaced
# S2's PUT …/role) sets a member's role to a given value: sending it twice is harmless.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY_SECONDS
    max_delay: float = MAX_RETRY_DELAY_SECONDS
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    # Up to this fraction of each backoff delay is taken off at random, so that many
    # clients failing together do not come back together.
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def may_retry_status(self, method: str, status: int) -> bool:
        if status not in RETRYABLE_STATUSES:
            return False
        return status == 429 or method.upper() in IDEMPOTENT_METHODS

    def may_retry_transport_error(self, method: str, *, sent: bool) -> bool:
        return method.upper() in IDEMPOTENT_METHODS or not sent

    def backoff(self, retry_number: int) -> float:
        """Delay before retry number `retry_number` (1-based) when the server named none."""
        delay = min(self.initial_delay * 2.0 ** (retry_number - 1), self.max_delay)
        return delay * (1 - self.jitter * self.rng.random())


def parse_retry_after(
    header: str | None, body_retry_after_ms: object = None, *, now: float
) -> float | None:
    """Seconds the server asked us to wait, from `retry_after_ms` or `Retry-After`.

    `Retry-After` may be delta-seconds (possibly fractional) or an HTTP date; `now` is the
    wall-clock time used to turn a date into a delay.
    """
    if isinstance(body_retry_after_ms, int | float) and not isinstance(body_retry_after_ms, bool):
        return max(float(body_retry_after_ms) / 1000.0, 0.0)
    if not header:
        return None
    header = header.strip()
    try:
        return max(float(header), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)
