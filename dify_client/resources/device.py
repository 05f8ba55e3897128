"""The device-flow endpoints (RFC 8628 as Dify runs it, contract §2.6).

They take no bearer token. Their errors are RFC bodies `{"error": "<code>"}`, not ErrorBody;
the poll answers are turned into return values (pending, slow down) or typed errors here,
and `dify_client.DeviceFlow` drives the polling loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from dify_client._errors import (
    AccessDeniedError,
    APIStatusError,
    DeviceCodeExpiredError,
    DeviceFlowError,
    UnsupportedClientError,
)
from dify_client._http import parse_json
from dify_client.models.device import (
    DeviceCode,
    DeviceCodeParams,
    DeviceDecision,
    DeviceLookup,
    DevicePollParams,
    DeviceToken,
)
from dify_client.resources._base import Resource, validate

PollWait = Literal["authorization_pending", "slow_down"]

_RFC_ERRORS: dict[str, type[DeviceFlowError]] = {
    "access_denied": AccessDeniedError,
    "expired_token": DeviceCodeExpiredError,
    "unsupported_client": UnsupportedClientError,
}


class DeviceResource(Resource):
    def request_code(self, *, client_id: str, device_label: str) -> DeviceCode:
        body = DeviceCodeParams(client_id=client_id, device_label=device_label).model_dump()
        try:
            return self._call_path("POST", "/oauth/device/code", DeviceCode, json_body=body)
        except APIStatusError as exc:
            raise _rfc_error(exc) or exc from exc

    def poll(self, *, device_code: str, client_id: str) -> DeviceToken | PollWait:
        """One poll: the token when approved, else which kind of wait the server wants."""
        body = DevicePollParams(device_code=device_code, client_id=client_id).model_dump()
        response = self._http.request(
            "POST",
            "/oauth/device/token",
            json_body=body,
            authenticated=False,
            pass_statuses=frozenset({400}),
        )
        payload = parse_json(response)
        if response.status_code == 200:
            return validate(DeviceToken, payload, where="POST /oauth/device/token")
        error = payload.get("error") if isinstance(payload, dict) else None
        if error == "authorization_pending":
            return "authorization_pending"
        if error == "slow_down":
            return "slow_down"
        raise _RFC_ERRORS.get(str(error), DeviceFlowError)(str(error or "invalid_response"))

    def lookup(self, user_code: str) -> DeviceLookup:
        return self._call_path(
            "GET", "/oauth/device/lookup", DeviceLookup, params={"user_code": user_code}
        )

    def approve(
        self, user_code: str, *, cookies: Mapping[str, str], csrf_token: str
    ) -> DeviceDecision:
        """Approve as a signed-in console user (Dify requires the console session cookie
        and its CSRF token here, not a bearer token)."""
        return self._decide("approve", user_code, cookies=cookies, csrf_token=csrf_token)

    def deny(
        self, user_code: str, *, cookies: Mapping[str, str], csrf_token: str
    ) -> DeviceDecision:
        return self._decide("deny", user_code, cookies=cookies, csrf_token=csrf_token)

    def _decide(
        self, verb: str, user_code: str, *, cookies: Mapping[str, str], csrf_token: str
    ) -> DeviceDecision:
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            response = self._http.request(
                "POST",
                f"/oauth/device/{verb}",
                json_body={"user_code": user_code},
                authenticated=False,
                headers={"Cookie": cookie_header, "X-CSRF-Token": csrf_token},
            )
        except APIStatusError as exc:
            raise _rfc_error(exc) or exc from exc
        return validate(DeviceDecision, parse_json(response), where=f"POST /oauth/device/{verb}")


def _rfc_error(exc: APIStatusError) -> DeviceFlowError | None:
    """The DeviceFlowError for an RFC 8628 body; None for an ErrorBody answer."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        error = body["error"]
        return _RFC_ERRORS.get(error, DeviceFlowError)(error)
    return None
