"""`python -m emulator serve …`: run the emulator until Ctrl-C or SIGTERM.

The first line written to stdout is the base URL alone (e.g. `http://127.0.0.1:43817`),
flushed once the server accepts connections, so a parent process can read it and go;
human-readable lines follow.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from emulator.server import EmulatorServer
from emulator.settings import (
    DEFAULT_DSL_VERSION,
    DEFAULT_KNOWN_CLIENT_IDS,
    DEFAULT_SERVER_VERSION,
    EmulatorSettings,
)

# The command a front end runs the emulator as (`difyops emulator` sets it), so the help
# names the command the reader typed.
PROG_ENV = "DIFY_EMULATOR_PROG"


def build_parser() -> argparse.ArgumentParser:
    prog = os.environ.get(PROG_ENV) or "python -m emulator"
    parser = argparse.ArgumentParser(prog=prog, description="Dify OpenAPI v1 emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the emulator",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Examples:\n"
            f"  {prog} serve --seed demo --port 5001\n"
            f"  {prog} serve --seed demo --port 5001 --db state.sqlite3\n"
            f"  {prog} serve --seed demo --admin-token s3cret --generation s3"
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    serve.add_argument("--db", default=":memory:", help="SQLite file keeping state across restarts")
    serve.add_argument(
        "--seed", choices=["demo", "none"], default="none", help="seed an empty database"
    )
    serve.add_argument(
        "--admin-token", default=None, help="enable /_emulator with this bearer token"
    )
    serve.add_argument("--dsl-version", default=DEFAULT_DSL_VERSION)
    serve.add_argument("--edition", choices=["SELF_HOSTED", "CLOUD"], default="SELF_HOSTED")
    serve.add_argument("--server-version", default=DEFAULT_SERVER_VERSION)
    serve.add_argument(
        "--enterprise", action="store_true", help="Enterprise features (dfoe_ tokens)"
    )
    serve.add_argument(
        "--rate-limit", type=int, default=0, help="requests/minute per token; 0 = off"
    )
    serve.add_argument("--member-limit", type=int, default=0, help="seat limit; 0 = unlimited")
    serve.add_argument("--token-ttl-days", type=int, default=14)
    serve.add_argument(
        "--console-url", default=None, help="CONSOLE_WEB_URL (default: own base URL)"
    )
    serve.add_argument(
        "--known-client-ids",
        default=",".join(DEFAULT_KNOWN_CLIENT_IDS),
        help="comma-separated OPENAPI_KNOWN_CLIENT_IDS",
    )
    serve.add_argument(
        "--generation",
        choices=["s2", "s3"],
        default="s2",
        help="Dify API generation to serve: s2 (the spec's paths) or s3 (catalog-driven)",
    )
    serve.add_argument("--log-level", default="warning")
    return parser


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings(
        dsl_version=args.dsl_version,
        edition=args.edition,
        server_version=args.server_version,
        enterprise=args.enterprise,
        rate_limit_per_minute=max(0, args.rate_limit),
        member_limit=max(0, args.member_limit),
        token_ttl_days=min(365, max(1, args.token_ttl_days)),
        console_url=args.console_url,
        known_client_ids=tuple(c.strip() for c in args.known_client_ids.split(",") if c.strip()),
        generation=args.generation,
    )


def serve(args: argparse.Namespace) -> int:
    # Handlers first: a parent may send SIGTERM as soon as it has read the first line.
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        db=args.db,
        seed=None if args.seed == "none" else args.seed,
        admin_token=args.admin_token,
        settings=settings_from(args),
        log_level=args.log_level,
    )
    server.start()
    print(server.base_url, flush=True)  # noqa: T201 - the first stdout line is the contract
    emulator = server.emulator
    print(f"Dify OpenAPI v1 emulator at {server.api_url}", flush=True)  # noqa: T201
    if emulator.seed_skipped:
        print(  # noqa: T201
            f"Database {args.db} already has state: --seed {args.seed} skipped "
            "(POST /_emulator/reset re-seeds).",
            flush=True,
        )
    if args.admin_token:
        print(f"Operator API at {server.base_url}/_emulator (admin token set)", flush=True)  # noqa: T201
    print(f"Device login page at {server.base_url}/device; Ctrl-C stops.", flush=True)  # noqa: T201

    try:
        while not stop.is_set() and not server.wait(timeout=0.2):
            stop.wait(0.05)
    finally:
        server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse enforces the subcommand


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
