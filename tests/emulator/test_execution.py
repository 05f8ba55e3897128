"""The executor end to end on small graphs: events, scripts, stop, pause, chat modes."""

from __future__ import annotations

from emulator.backend.execution import (
    FormSubmission,
    ScriptedResponse,
    run_app_model,
)
from tests.emulator._execution import FakeContext, counter_ids, edge, end, graph, node, run, start

LLM_PROMPT = [
    {"role": "system", "text": "You translate."},
    {"role": "user", "text": "Say {{#start.word#}} in French"},
]


def linear() -> dict:
    return graph(
        [
            start("word"),
            node("llm", "llm", prompt_template=LLM_PROMPT),
            end(result=["llm", "text"]),
        ],
        [edge("start", "llm"), edge("llm", "end")],
    )


def test_a_linear_workflow_emits_dify_events_in_order():
    outcome, ctx = run(linear(), inputs={"word": "cat"})
    assert ctx.names() == [
        "workflow_started",
        "node_started",
        "node_finished",
        "node_started",
        "node_finished",
        "node_started",
        "text_chunk",
        "text_chunk",
        "text_chunk",
        "node_finished",
        "workflow_finished",
    ]
    started = ctx.named("workflow_started")[0]["data"]
    assert (started["id"], started["workflow_id"], started["inputs"]["word"]) == (
        "run-1",
        "wf-1",
        "cat",
    )
    finished = [e["data"] for e in ctx.named("node_finished")]
    assert [
        (d["node_id"], d["node_type"], d["index"], d["predecessor_node_id"]) for d in finished
    ] == [
        ("start", "start", 1, None),
        ("llm", "llm", 2, "start"),
        ("end", "end", 3, "llm"),
    ]
    assert all(d["status"] == "succeeded" and d["elapsed_time"] >= 0 for d in finished)
    assert len({d["id"] for d in finished}) == 3
    run_data = ctx.finished()
    assert set(run_data) >= {
        "id",
        "workflow_id",
        "status",
        "outputs",
        "error",
        "elapsed_time",
        "total_tokens",
        "total_steps",
        "created_at",
        "finished_at",
    }
    echoed = "You translate.\nSay cat in French"
    assert run_data["outputs"] == {"result": echoed} and run_data["status"] == "succeeded"
    assert run_data["total_steps"] == 3 and run_data["total_tokens"] > 0
    assert "".join(e["data"]["text"] for e in ctx.named("text_chunk")) == echoed
    assert outcome.status == "succeeded" and outcome.outputs == {"result": echoed}
    assert (outcome.total_steps, outcome.total_tokens) == (3, run_data["total_tokens"])


def test_the_llm_asks_the_script_with_its_rendered_prompt():
    ctx = FakeContext(scripts={"llm": ScriptedResponse(text="Chat", tokens=7, delay_s=2.5)})
    outcome, ctx = run(linear(), ctx, inputs={"word": "cat"})
    (query,) = ctx.queries
    assert (query.app_id, query.node_id, query.node_title, query.node_type) == (
        "app-1",
        "llm",
        "Llm",
        "llm",
    )
    assert query.prompt == "You translate.\nSay cat in French"
    assert outcome.outputs == {"result": "Chat"}
    llm_finished = ctx.named("node_finished")[1]["data"]
    assert llm_finished["outputs"]["usage"]["completion_tokens"] == 7
    assert llm_finished["elapsed_time"] >= 2.5  # the scripted delay, on no real clock
    assert llm_finished["process_data"]["prompts"][1]["text"] == "Say cat in French"


def test_a_scripted_error_fails_the_node_and_the_run():
    ctx = FakeContext(scripts={"Llm": ScriptedResponse(error="Model quota exceeded")})
    outcome, ctx = run(linear(), ctx, inputs={"word": "cat"})
    assert ctx.trail() == [("start", "succeeded"), ("llm", "failed")]
    assert ctx.named("node_finished")[1]["data"]["error"] == "Model quota exceeded"
    assert ctx.finished()["status"] == "failed"
    assert ctx.finished()["error"] == "Model quota exceeded"
    assert (outcome.status, outcome.error) == ("failed", "Model quota exceeded")


def test_a_missing_required_input_fails_before_the_run_starts():
    g = graph([start("word", required=True), end()], [edge("start", "end")])
    outcome, ctx = run(g, inputs={"word": ""})
    assert (outcome.status, outcome.error) == ("failed", "word is required in input form")
    assert ctx.events == []
    assert run(g, inputs={"word": "x"})[0].status == "succeeded"


def test_default_outputs_of_nodes_that_reach_outside():
    g = graph(
        [
            start(),
            node(
                "code",
                "code",
                code="x",
                outputs={
                    "n": {"type": "number"},
                    "s": {"type": "string"},
                    "l": {"type": "array[string]"},
                    "o": {"type": "object"},
                },
            ),
            node("http", "http-request", method="post", url="https://x.test/{{#code.s#}}"),
            node("kr", "knowledge-retrieval", query_variable_selector=["code", "s"]),
            node(
                "pe",
                "parameter-extractor",
                query=["code", "s"],
                parameters=[{"name": "city", "type": "string"}, {"name": "n", "type": "number"}],
            ),
            node("tool", "tool", tool_name="search"),
            end(
                n=["code", "n"],
                status=["http", "status_code"],
                body=["http", "body"],
                result=["kr", "result"],
                city=["pe", "city"],
                count=["pe", "n"],
            ),
        ],
        [
            edge("start", "code"),
            edge("code", "http"),
            edge("http", "kr"),
            edge("kr", "pe"),
            edge("pe", "tool"),
            edge("tool", "end"),
        ],
    )
    outcome, ctx = run(g)
    assert outcome.outputs == {
        "n": 0,
        "status": 200,
        "body": "",
        "result": [],
        "city": "",
        "count": 0,
    }
    code = ctx.named("node_finished")[1]["data"]["outputs"]
    assert code == {"n": 0, "s": "", "l": [], "o": {}}
    assert [q.prompt for q in ctx.queries][1] == "POST https://x.test/"


def test_scripted_outputs_replace_the_defaults():
    g = graph(
        [start(), node("code", "code", outputs={"n": {"type": "number"}}), end(n=["code", "n"])],
        [edge("start", "code"), edge("code", "end")],
    )
    outcome, _ = run(g, FakeContext(scripts={"code": ScriptedResponse(outputs={"n": 42})}))
    assert outcome.outputs == {"n": 42}


def test_stop_is_checked_between_nodes():
    outcome, ctx = run(linear(), FakeContext(stop_after_nodes=1), inputs={"word": "cat"})
    assert ctx.trail() == [("start", "succeeded")]
    assert ctx.finished()["status"] == "stopped"
    assert ctx.finished()["error"] == "Stopped by user."
    assert outcome.status == "stopped"


def test_the_same_run_gives_the_same_events():
    first = run(linear(), inputs={"word": "cat"})[1].events
    second = run(linear(), inputs={"word": "cat"})[1].events
    assert first == second


def test_a_human_input_graph_with_duplicate_action_ids_is_refused_before_it_starts():
    actions = [{"id": "approve", "title": "A"}, {"id": "approve", "title": "B"}]
    g = graph(
        [start(), node("human", "human-input", user_actions=actions)], [edge("start", "human")]
    )
    outcome, ctx = run(g)
    assert ctx.events == []
    assert outcome.status == "failed"
    assert "duplicated user action id 'approve'" in (outcome.error or "")


def human_graph() -> dict:
    form = "Review {{#start.word#}}: {{#$output.note#}}"
    actions = [{"id": "approve", "title": "Approve"}, {"id": "reject", "title": "Reject"}]
    inputs = [
        {
            "type": "paragraph",
            "output_variable_name": "note",
            "placeholder": {"type": "variable", "selector": ["start", "word"]},
        }
    ]
    return graph(
        [
            start("word"),
            node(
                "human",
                "human-input",
                form_content=form,
                user_actions=actions,
                inputs=inputs,
                timeout=2,
                timeout_unit="day",
            ),
            node("yes", "end", outputs=[{"variable": "note", "value_selector": ["human", "note"]}]),
            node(
                "no", "end", outputs=[{"variable": "no", "value_selector": ["human", "action_id"]}]
            ),
        ],
        [edge("start", "human"), edge("human", "yes", "approve"), edge("human", "no", "reject")],
    )


def test_human_input_pauses_then_resumes_along_the_chosen_action():
    ctx = FakeContext(forms=[FormSubmission("reject", {"note": "nope"})])
    outcome, ctx = run(human_graph(), ctx, inputs={"word": "cat"})
    (form,) = ctx.requested_forms
    assert form.form_content == "Review cat: {{#$output.note#}}"
    assert form.resolved_default_values == {"note": "cat"}
    assert [a["id"] for a in form.user_actions] == ["approve", "reject"]
    assert form.expiration_time > ctx.clock + 2 * 86400 - 60
    (required,) = ctx.named("human_input_required")
    assert required["data"]["form_token"] == form.form_token
    assert required["data"]["node_id"] == "human"
    paused = ctx.named("workflow_paused")[0]["data"]
    assert (paused["status"], paused["paused_nodes"]) == ("paused", ["human"])
    names = ctx.names()
    assert names.index("human_input_required") < names.index("workflow_paused")
    assert names.index("workflow_paused") < names.index("workflow_finished")
    assert ctx.trail() == [("start", "succeeded"), ("human", "succeeded"), ("no", "succeeded")]
    human_outputs = ctx.named("node_finished")[1]["data"]["outputs"]
    assert human_outputs == {"note": "nope", "action_id": "reject", "__action_id": "reject"}
    assert outcome.outputs == {"no": "reject"} and outcome.status == "succeeded"


def test_an_unanswered_form_ends_the_run_stopped():
    outcome, ctx = run(human_graph(), FakeContext(forms=[None]), inputs={"word": "cat"})
    assert ctx.finished()["status"] == "stopped"
    assert outcome.error == "Human input form expired"


def test_advanced_chat_streams_message_chunks_then_message_end():
    g = graph(
        [
            start(),
            node("llm", "llm", prompt_template=[{"role": "user", "text": "{{#sys.query#}}"}]),
            node("answer", "answer", answer="You said: {{#llm.text#}}"),
        ],
        [edge("start", "llm"), edge("llm", "answer")],
    )
    outcome, ctx = run(g, query="hello there friend", conversation_id="c-1")
    assert ctx.names()[-2:] == ["workflow_finished", "message_end"]
    answer = "".join(m["answer"] for m in ctx.named("message"))
    assert answer == "You said: hello there friend" == outcome.answer
    assert len(ctx.named("message")) > 1
    assert "usage" in ctx.named("message_end")[0]["metadata"]
    started_inputs = ctx.named("workflow_started")[0]["data"]["inputs"]
    assert started_inputs["sys.query"] == "hello there friend"
    assert "sys.conversation_id" not in started_inputs  # session-scoped, left out by Dify


def test_conversation_variables_come_back_in_the_outcome():
    g = {
        "conversation_variables": [{"name": "turns", "value": []}],
        "graph": graph(
            [
                start(),
                node(
                    "assign",
                    "assigner",
                    version="2",
                    items=[
                        {
                            "variable_selector": ["conversation", "turns"],
                            "operation": "append",
                            "input_type": "variable",
                            "value": ["sys", "query"],
                        }
                    ],
                ),
                node("answer", "answer", answer="{{#conversation.turns#}}"),
            ],
            [edge("start", "assign"), edge("assign", "answer")],
        ),
    }
    outcome, _ = run(g, query="hi")
    assert outcome.conversation_variables == {"turns": ["hi"]}
    assert outcome.answer == '["hi"]'


def app_run(mode: str, ctx: FakeContext, **config):
    config = {"pre_prompt": "You are {{persona}}.", **config}
    return run_app_model(
        mode,
        config,
        inputs={"persona": "a cat"},
        query="Hi",
        ctx=ctx,
        app_id="app-1",
        new_id=counter_ids(),
    )


def test_chat_echoes_the_pre_prompt_and_query_in_message_chunks():
    ctx = FakeContext()
    outcome = app_run("chat", ctx)
    assert set(ctx.names()[:-1]) == {"message"} and ctx.names()[-1] == "message_end"
    assert "".join(m["answer"] for m in ctx.named("message")) == "You are a cat.\nHi"
    usage = ctx.named("message_end")[0]["metadata"]["usage"]
    assert usage["total_tokens"] == outcome.total_tokens > 0
    assert (outcome.status, outcome.answer) == ("succeeded", "You are a cat.\nHi")


def test_agent_chat_sends_agent_thoughts_around_agent_messages():
    ctx = FakeContext(scripts={"": ScriptedResponse(text="Meow meow meow", tokens=3)})
    outcome = app_run("agent-chat", ctx)
    names = ctx.names()
    assert names[0] == "agent_thought" and names[-2:] == ["agent_thought", "message_end"]
    assert set(names[1:-2]) == {"agent_message"}
    assert ctx.named("agent_thought")[1]["thought"] == "Meow meow meow" == outcome.answer
    assert ctx.queries[0].node_type == "agent-chat"


def test_completion_and_a_scripted_error():
    ctx = FakeContext()
    assert app_run("completion", ctx).answer == "You are a cat.\nHi"
    failing = FakeContext(scripts={"": ScriptedResponse(error="quota")})
    outcome = app_run("chat", failing)
    assert (outcome.status, outcome.error, failing.events) == ("failed", "quota", [])


def test_a_stopped_chat_ends_early_with_message_end():
    class Stopping(FakeContext):
        def stopped(self) -> bool:
            return len(self.named("message")) >= 1

    ctx = Stopping()
    outcome = app_run("chat", ctx)
    assert ctx.names() == ["message", "message_end"]
    assert outcome.status == "stopped"


def test_a_stopped_advanced_chat_run_still_ends_with_message_end():
    g = graph(
        [
            start(),
            node("t", "template-transform", template="x", variables=[]),
            node("answer", "answer", answer="done"),
        ],
        [edge("start", "t"), edge("t", "answer")],
    )
    outcome, ctx = run(g, FakeContext(stop_after_nodes=1), query="hi")
    assert ctx.names()[-2:] == ["workflow_finished", "message_end"]
    assert (outcome.status, ctx.finished()["status"]) == ("stopped", "stopped")


def test_a_stop_while_waiting_for_a_form_ends_the_run_stopped_by_user():
    class StopWhileWaiting(FakeContext):
        def wait_for_form(self, form):
            self.stop_after_nodes = 0
            return super().wait_for_form(form)

    outcome, ctx = run(human_graph(), StopWhileWaiting(), inputs={"word": "cat"})
    assert (outcome.status, outcome.error) == ("stopped", "Stopped by user.")
    assert ctx.trail() == [("start", "succeeded")]
