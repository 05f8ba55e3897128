"""Shared fixtures, registered from the root conftest through `pytest_plugins`."""
