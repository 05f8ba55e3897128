"""The polling half of the device flow: wait for a person to approve a code.

RFC 8628 §3.5 as Dify runs it: poll no sooner than `interval` seconds, add 5 seconds on
every `slow_down` (Dify refreshes its last-poll time even on a slow_down answer, so a client
that keeps its pace never gets through), and stop at `expires_in` on our own clock instead
of trusting the server to say so. Transient server or network errors are tolerated for a
few polls in a row, because the person may be halfway through approving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dify_client._clock import Clock
from dify_client._errors import (
    DeviceCodeExpiredError,
    DeviceFlowCancelled,
    DifyConnectionError,
    ServerError,
)
from dify_client.models.device import DeviceCode, DeviceToken
from dify_client.resources.device import DeviceResource

SLOW_DOWN_STEP_SECONDS = 5.0
DEFAULT_INTERVAL_SECONDS = 5.0
MAX_CONSECUTIVE_FAILURES = 5


@dataclass(frozen=True)
class PollUpdate:
    """What the poller saw, for a progress display."""

    answer: str  # "authorization_pending", "slow_down" or "retrying"
    interval: float
    remaining: float


class DeviceFlow:
    def __init__(
        self,
        device: DeviceResource,
        *,
        client_id: str,
        device_label: str,
        clock: Clock,
        on_update: Callable[[PollUpdate], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self._device = device
        self.client_id = client_id
        self.device_label = device_label
        self._clock = clock
        self._on_update = on_update or (lambda update: None)
        self._cancelled = cancelled or (lambda: False)

    def start(self) -> DeviceCode:
        return self._device.request_code(client_id=self.client_id, device_label=self.device_label)

    def wait(self, code: DeviceCode) -> DeviceToken:
        """Poll until the code is approved; raise when denied, expired or cancelled."""
        interval = float(code.interval) if code.interval > 0 else DEFAULT_INTERVAL_SECONDS
        deadline = self._clock.monotonic() + code.expires_in
        failures = 0
        while True:
            if self._clock.monotonic() + interval > deadline:
                raise DeviceCodeExpiredError("expired_token")
            self._clock.sleep(interval)
            if self._cancelled():
                raise DeviceFlowCancelled()
            try:
                answer = self._device.poll(
                    device_code=code.device_code.get_secret_value(), client_id=self.client_id
                )
            except (ServerError, DifyConnectionError):
                failures += 1
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    raise
                self._notify("retrying", interval, deadline)
                continue
            failures = 0
            if isinstance(answer, DeviceToken):
                return answer
            if answer == "slow_down":
                interval += SLOW_DOWN_STEP_SECONDS
            self._notify(answer, interval, deadline)

    def _notify(self, answer: str, interval: float, deadline: float) -> None:
        remaining = max(deadline - self._clock.monotonic(), 0.0)
        self._on_update(PollUpdate(answer=answer, interval=interval, remaining=remaining))
