"""Prefect flows: the entry points of `prefect.yaml`, and plain runners for the CLI.

Each job's steps are written once (`_steps`); the flow runs them as Prefect tasks, the
runner the CLI uses calls the same task functions directly (`task.fn`), so a person at a
terminal does not wait for a Prefect server and a deployment still gets task runs,
retries and artifacts.
"""
