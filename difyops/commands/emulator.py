"""`difyops emulator serve`: run the bundled Dify API emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

import typer

from difyops.exceptions import ExitCode

app = typer.Typer(help="The bundled local emulator of Dify's OpenAPI v1.", no_args_is_help=True)

_FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def serve(ctx: typer.Context) -> None:
    """Start the emulator (same options as `python -m emulator serve --help`).

    It binds 127.0.0.1, serves the API under /openapi/v1 and a sign-in page at /device;
    `--seed demo` loads the demo workspaces and accounts (password demo-password).
    """
    # A separate process keeps the emulator independent of difyops (it imports nothing
    # of ours). Signals sent to this command (a service manager's SIGTERM, Ctrl-C) are
    # passed on to the emulator, and the command returns only once it has stopped, so
    # stopping `difyops emulator serve` never leaves the emulator listening.
    command = [sys.executable, "-m", "emulator", "serve", *ctx.args]
    # Its help then reads `difyops emulator serve`, the command that was typed.
    env = {**os.environ, "DIFY_EMULATOR_PROG": "difyops emulator"}
    child = subprocess.Popen(command, env=env)  # noqa: S603 — our own interpreter and module
    received: list[int] = []

    def _forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {sig: signal.signal(sig, _forward) for sig in _FORWARDED_SIGNALS}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:  # only if waiting itself failed
            child.terminate()
            child.wait()
    if received and signal.SIGINT in received:
        code = ExitCode.CANCELLED
    raise typer.Exit(code)
