"""Smoke tasks: run apps' smoke cases on a workspace through a Dify client."""
