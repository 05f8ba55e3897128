"""One handler per node type; the walker looks them up here."""

from __future__ import annotations

from emulator.backend.execution.nodes import assigner, basic, containers, human, logic, outside
from emulator.backend.execution.nodes.base import Handler

HANDLERS: dict[str, Handler] = {
    "start": basic.run_start,
    "end": basic.run_end,
    "answer": basic.run_answer,
    "template-transform": basic.run_template,
    "variable-aggregator": basic.run_aggregator,
    "variable-assigner": basic.run_aggregator,  # the aggregator's name before 0.6
    "assigner": assigner.run_assigner,
    "if-else": logic.run_if_else,
    "llm": outside.run_llm,
    "code": outside.run_code,
    "http-request": outside.run_http,
    "knowledge-retrieval": outside.run_retrieval,
    "question-classifier": outside.run_classifier,
    "parameter-extractor": outside.run_extractor,
    "iteration": containers.run_iteration,
    "loop": containers.run_loop,
    "loop-end": containers.run_loop_end,
    "human-input": human.run_human_input,
}


def handler_for(node_type: str) -> Handler:
    return HANDLERS.get(node_type, outside.run_other)
