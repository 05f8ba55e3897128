"""Smoke cases: run an app with known inputs and check what comes back. Pure.

`cases` (what a case expects), `loader` (the YAML, strictly, with file:line:column
errors), `evaluate` (judging a result; running an app's cases through the `AppRunner`
port), `honesty` (which version of an app a run exercised), `render` (reports).
"""
