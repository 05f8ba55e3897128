"""Smoke cases: run an app with known inputs and check what comes back. Pure.

`cases` (what a case expects), `loader` (the YAML, strictly, with file:line:column
errors), `evaluate` (judging a result; running an app's cases through the `AppRunner` port of
`ports`), `select` (which apps of a workspace the cases name), `honesty` (which version
of an app a run exercised, said plainly), `result` and `render` (reports).
"""
