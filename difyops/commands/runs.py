"""`difyops apps run|events|stop|upload|form`: running apps, registered under `apps`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from difyops._options import JsonOption, ProfileOption, WorkspaceOption
from difyops._output import Output
from difyops.commands.apps import AppArgument, resolve_app, workspace_for
from difyops.exceptions import DifyopsError, UsageError

if TYPE_CHECKING:  # the client is imported where it is used: `--help` loads none of it
    from dify_client import DifyClient, RunStream
    from dify_client.models import RunResult
    from difyops.commands._run_view import RunView

InputOption = Annotated[
    list[str] | None,
    typer.Option(
        "--input",
        "-i",
        help="An input variable: NAME=TEXT (a string) or NAME:=JSON (a number, true, a list…). "
        "Repeat for each.",
    ),
]

RUN_HELP = """Run an app (its published version) and show the run as it streams.

On a terminal: the node trail with timings (stderr) and the answer text (stdout) as it
streams. With --json: one JSON event per line (NDJSON), exactly as Dify sent it.

Exit status: 0 when the run succeeded, 1 when it failed, stopped or paused on a form,
130 after Ctrl-C (the run is asked to stop first).

Examples:

    difyops apps run "Support bot" -w Acme --query "Where is my order?"

    difyops apps run 3f8e…c1e --input topic=cats --input count:=3

    difyops apps run Summarise --file document=./report.pdf --json | jq .event

    difyops apps run Bot --query "and then?" --conversation 5b1f…9cc
"""


def register(group: typer.Typer) -> None:
    group.command("run", help=RUN_HELP)(run_app)
    group.command("events")(events)
    group.command("stop")(stop)
    group.command("upload")(upload)
    group.add_typer(form_app, name="form")


# Long mostly by its signature: Typer declares each flag as an annotated parameter.
def run_app(
    app_ref: AppArgument,
    workspace: WorkspaceOption = None,
    input_pairs: InputOption = None,
    inputs_file: Annotated[
        Path | None,
        typer.Option("--inputs-file", help="A JSON object of inputs (--input wins over it)."),
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="The user's message (chat apps).")
    ] = None,
    file_pairs: Annotated[
        list[str] | None,
        typer.Option(
            "--file",
            "-f",
            help="NAME=PATH: upload PATH first and pass it as input NAME (repeat a NAME for a "
            "file list).",
        ),
    ] = None,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Continue this conversation (chat apps).")
    ] = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    from dify_client import RunRequestError  # noqa: PLC0415
    from difyops.commands._run_view import RunView  # noqa: PLC0415
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    inputs = parse_inputs(input_pairs or [], inputs_file)
    files = [_split(pair, "--file") for pair in file_pairs or []]
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        info = client.apps.describe(app_id, fields=["info"]).info
        for name, path in files:
            ref = client.files.upload(app_id, Path(path)).to_input()
            # A NAME given twice is a file-list variable.
            earlier = [n for n, _ in files].count(name) > 1
            inputs[name] = [*inputs.get(name, []), ref] if earlier else ref
        try:
            stream = client.runs.stream(
                app_id,
                inputs=inputs,
                query=query,
                conversation_id=conversation,
                mode=info.mode if info else None,
            )
        except RunRequestError as exc:  # the command line asked for what cannot run
            hint = "Pass it with --query TEXT." if exc.code == "query_required_for_chat" else None
            raise UsageError(exc.message, hint=hint or exc.hint) from None
        result = follow(client, app_id, stream, RunView(out, app_ref=app_ref))
    finish(result, json_mode=out.json_mode)


def events(
    app_ref: AppArgument,
    run_id: Annotated[str, typer.Argument(help="The workflow run id (not the task id).")],
    workspace: WorkspaceOption = None,
    continue_on_pause: Annotated[
        bool,
        typer.Option("--continue-on-pause", help="Keep following across human-input pauses."),
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Follow a workflow or chatflow run again: its past events, then live ones.

    A finished run shows its final event only. Exit status as for `apps run`.

    Example: difyops apps events Summarise 9d2b…0aa --json
    """
    from difyops.commands._run_view import RunView  # noqa: PLC0415
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        stream = client.runs.events(app_id, run_id, continue_on_pause=continue_on_pause)
        result = follow(client, app_id, stream, RunView(out, app_ref=app_ref))
    finish(result, json_mode=out.json_mode)


def stop(
    app_ref: AppArgument,
    task_id: Annotated[str, typer.Argument(help="The task id from the run's events.")],
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Ask Dify to stop a run. Dify always says yes, known task or not.

    Example: difyops apps stop Summarise 6a0f…e21
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        client.runs.stop(app_id, task_id)
    out.result({"result": "success", "task_id": task_id}, None)
    if not json_output:
        out.success(f"stop requested for task {task_id}")


def upload(
    app_ref: AppArgument,
    path: Annotated[Path, typer.Argument(help="The file to upload.", exists=True, dir_okay=False)],
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Upload a file for a run's inputs and print its id (--json: the whole file record).

    `apps run --file NAME=PATH` uploads and passes the file in one step; upload on its
    own when a script builds the file reference itself.

    Example: difyops apps upload Summarise ./report.pdf
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        uploaded = client.files.upload(app_id, path)
    out.result(uploaded, uploaded.id)


def follow(client: DifyClient, app_id: str, stream: RunStream, view: RunView) -> RunResult:
    """Show the stream to the end; on Ctrl-C ask the server to stop the run first."""
    from dify_client import RunFailed  # noqa: PLC0415

    with stream:
        try:
            for event in stream:
                view.event(event)
            result = stream.result()
        except RunFailed as failed:
            view.failed(failed)
            raise
        except KeyboardInterrupt:
            if stream.task_id:
                view.out.note(f"stopping task {stream.task_id}…")
                client.runs.stop(app_id, stream.task_id)
            raise
    view.outcome(result)
    return result


def finish(result: RunResult, *, json_mode: bool) -> None:
    """Exit 1 unless the run succeeded. On a terminal the view has said why; with --json a
    script gets the usual error object on stderr, as for any other failure."""
    if result.status in ("succeeded", "partial-succeeded"):
        return
    if json_mode and result.status != "paused":
        reason = f": {result.error}" if result.error else ""
        raise DifyopsError(f"the run {result.status}{reason}")
    raise typer.Exit(1)


INPUTS_HINT = (
    'An inputs file is one JSON object, e.g. {"query": "hello"}; or pass --input KEY=VALUE.'
)


def parse_inputs(pairs: list[str], inputs_file: Path | None) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    if inputs_file is not None:
        try:
            loaded = json.loads(inputs_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(
                f"cannot read inputs from {inputs_file}: {exc}", hint=INPUTS_HINT
            ) from exc
        if not isinstance(loaded, dict):
            raise UsageError(f"{inputs_file} must hold a JSON object of inputs", hint=INPUTS_HINT)
        inputs.update(loaded)
    for pair in pairs:
        name, value = _split(pair, "--input")
        if name.endswith(":"):  # NAME:=JSON
            name = name[:-1]
            try:
                inputs[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--input {name}:= needs JSON, got {value!r}") from exc
        else:
            inputs[name] = value
    return inputs


def _split(pair: str, flag: str) -> tuple[str, str]:
    name, sep, value = pair.partition("=")
    if not sep or not name.rstrip(":"):
        raise UsageError(f"{flag} takes NAME=VALUE, got {pair!r}")
    return name, value


form_app = typer.Typer(
    help="Human-input forms of paused runs: show one, submit it.", no_args_is_help=True
)
TokenArgument = Annotated[str, typer.Argument(help="The form token from the paused run.")]


@form_app.command("show")
def form_show(
    app_ref: AppArgument,
    token: TokenArgument,
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the form a paused run waits on: its text, fields and action buttons.

    Example: difyops apps form show Approvals FT-1234
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        form = client.forms.get(app_id, token)
    if json_output:
        out.json(form)
        return
    out.line(form.form_content)
    out.table(
        ["INPUT", "TYPE", "DEFAULT"],
        [
            [field.get("output_variable_name"), field.get("type"), _default(form, field)]
            for field in form.inputs
        ],
        empty="no input fields",
    )
    out.table(
        ["ACTION", "TITLE"],
        [[a.get("id"), a.get("title")] for a in form.user_actions],
        empty="no actions",
    )


def _default(form: Any, field: dict[str, Any]) -> str:
    return str(form.resolved_default_values.get(field.get("output_variable_name"), ""))


@form_app.command("submit")
def form_submit(
    app_ref: AppArgument,
    token: TokenArgument,
    action: Annotated[str, typer.Option("--action", help="The id of the action to take.")],
    input_pairs: InputOption = None,
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Submit a form with one of its actions; the paused run resumes.

    Example: difyops apps form submit Approvals FT-1234 --action approve --input comment=ok
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    inputs = parse_inputs(input_pairs or [], None)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        client.forms.submit(app_id, token, action=action, inputs=inputs)
    out.result({"result": "success", "action": action}, None)
    if not json_output:
        out.success(f"form submitted with action {action!r}; the run resumes")


__all__ = ["register"]
