"""Prefect flows: the entry points of `prefect.yaml`, and plain runners for the CLI.

Each job's steps are written once (`_steps`); the flow runs them as Prefect tasks, the
runner the CLI uses calls the same task functions directly (`task.fn`), so a person at a
terminal does not wait for a Prefect server and a deployment still gets task runs and
artifacts.

The flows are `async def` although their tasks are plain functions: Prefect ends a sync
flow run by joining its heartbeat thread, which sleeps in whole seconds — up to a second
added to every run. Callers outside Prefect use `asyncio.run(flow(...))`.
"""
