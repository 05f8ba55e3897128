"""`difyops emulator serve`: run the bundled Dify API emulator."""

from __future__ import annotations

import subprocess
import sys

import typer

from difyops.exceptions import ExitCode

app = typer.Typer(help="The bundled local emulator of Dify's OpenAPI v1.", no_args_is_help=True)


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
    # of ours), and Ctrl-C reaches it directly.
    command = [sys.executable, "-m", "emulator", "serve", *ctx.args]
    try:
        code = subprocess.call(command)  # noqa: S603 — our own interpreter and module
    except KeyboardInterrupt:
        code = ExitCode.CANCELLED
    raise typer.Exit(code)
