"""Shared fixtures, registered from the root conftest through `pytest_plugins`."""

from tests.support.emulator import (
    _emulator_admin,
    api_generation,
    emulator,
    emulator_factory,
    emulator_server,
)
from tests.support.prefect import prefect_harness

__all__ = [
    "_emulator_admin",
    "api_generation",
    "emulator",
    "emulator_factory",
    "emulator_server",
    "prefect_harness",
]
