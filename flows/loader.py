"""Load and validate flow definitions (YAML) at start-up; every error is collected and reported at once."""

from __future__ import annotations

from collections import deque
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from flows import vocabulary as V
from flows.checking import Checker, check_value, parse_effects, parse_guards
from flows.model import Choice, Condition, Field, Flow, Node, Outcome, Route, Step


class FlowDefinitionError(Exception):
    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s):\n  - " + "\n  - ".join(errors))


def definitions_dir() -> Path:
    return Path(str(resources.files("flows") / "definitions"))


def load_flow_file(path: Path) -> Flow:
    return parse_flow(yaml.safe_load(path.read_text(encoding="utf-8")), source=str(path))


def load_all(directory: Path | None = None, flow_id: str = "meldcode") -> dict[int, Flow]:
    """Every version of a flow, keyed by version; a case keeps the version it started with."""
    directory = directory or definitions_dir()
    flows: dict[int, Flow] = {}
    for path in sorted((directory / flow_id).glob("*.yaml")):
        if "." in path.stem:
            continue  # N.<lang>.yaml: the texts of version N in another language (flows.translate)
        flow = load_flow_file(path)
        if flow.id != flow_id:
            raise FlowDefinitionError(str(path), [f"id is {flow.id!r}, expected {flow_id!r}"])
        if flow.version in flows:
            raise FlowDefinitionError(str(path), [f"version {flow.version} defined twice"])
        flows[flow.version] = flow
    if not flows:
        raise FlowDefinitionError(str(directory / flow_id), ["no flow definition found"])
    return flows


# --------------------------------------------------------------------------------------------
def parse_flow(data: Any, source: str = "<definition>") -> Flow:
    c = Checker()
    if not c.keys(
        source, data, V.FLOW_KEYS, ["id", "version", "title", "start", "reopen", "forms", "steps", "nodes", "outcomes"]
    ):
        raise FlowDefinitionError(source, c.errors)
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        c.err(source, "version must be a positive integer")
        version = 0

    steps = {}
    for i, raw in enumerate(data.get("steps") or []):
        where = f"steps[{i}]"
        if c.keys(where, raw, V.STEP_KEYS, ["id", "title"]):
            steps[str(raw["id"])] = Step(
                str(raw["id"]), c.text(where, raw, "title") or "", c.text(where, raw, "why", required=False)
            )

    forms = _choices(c, "forms", data.get("forms"))
    form_ids = {f.id for f in forms}
    specific = frozenset(data.get("specific_forms") or [])
    for unknown in sorted(specific - form_ids):
        c.err("specific_forms", f"{unknown!r} is not one of the forms")

    raw_nodes = data.get("nodes") or {}
    raw_outcomes = data.get("outcomes") or {}
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        c.err(source, "nodes must be a non-empty mapping")
        raw_nodes = {}
    if not isinstance(raw_outcomes, dict) or not raw_outcomes:
        c.err(source, "outcomes must be a non-empty mapping")
        raw_outcomes = {}
    for both in sorted(set(raw_nodes) & set(raw_outcomes)):
        c.err(source, f"{both!r} is both a node and an outcome")
    targets = set(raw_nodes) | set(raw_outcomes)

    nodes = {nid: _node(c, str(nid), raw, steps, targets, raw_nodes, forms) for nid, raw in raw_nodes.items()}
    outcomes = {}
    for oid, raw in raw_outcomes.items():
        where = f"outcomes.{oid}"
        if c.keys(where, raw, V.OUTCOME_KEYS, ["title", "status"]):
            if raw.get("status") not in V.OUTCOME_STATUSES:
                c.err(where, f"status must be one of {sorted(V.OUTCOME_STATUSES)}")
            outcomes[str(oid)] = Outcome(
                str(oid),
                c.text(where, raw, "title") or "",
                str(raw.get("status")),
                raw.get("rule"),
                c.text(where, raw, "message", required=False),
                parse_effects(c, where, raw.get("effects"), None),
            )
    for key in ("start", "reopen"):
        if data.get(key) not in raw_nodes:
            c.err(source, f"{key} {data.get(key)!r} is not a node")

    for kind in sorted(V.ANYTIME_KINDS):
        holders = [n.id for n in nodes.values() if n.anytime == kind]
        if len(holders) > 1 or (kind in V.REQUIRED_ANYTIME and not holders):
            c.err(source, f"exactly one node must be 'anytime: {kind}' (found {len(holders)})")
    if not c.errors:
        _check_graph(c, data["start"], data["reopen"], nodes, outcomes)
    if c.errors:
        raise FlowDefinitionError(source, c.errors)
    return Flow(
        id=str(data["id"]),
        version=version,
        title=str(data["title"]),
        start=data["start"],
        reopen=data["reopen"],
        forms=forms,
        specific_forms=specific,
        steps=steps,
        nodes=nodes,
        outcomes=outcomes,
    )


def _choices(c: Checker, where: str, raw: Any) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        c.err(where, "choices must be a non-empty list")
        return ()
    out, seen = [], set()
    for i, item in enumerate(raw):
        w = f"{where}[{i}]"
        if c.keys(w, item, V.CHOICE_KEYS, ["id", "label"]):
            cid = str(item["id"])
            if cid in seen:
                c.err(w, f"duplicate choice id {cid!r}")
            seen.add(cid)
            out.append(Choice(cid, c.text(w, item, "label") or "", item.get("rule")))
    return tuple(out)


def _node(
    c: Checker,
    nid: str,
    raw: Any,
    steps: dict[str, Any],
    targets: set[str],
    raw_nodes: dict[str, Any],
    forms: tuple[Choice, ...],
) -> Node:
    where = f"nodes.{nid}"
    if not c.keys(where, raw, V.NODE_KEYS, ["step", "actor", "title", "fields", "next"]):
        raw = {}
    if raw and raw.get("step") not in steps:
        c.err(where, f"step {raw.get('step')!r} is not declared under steps")
    if raw and raw.get("anytime") is not None and raw.get("anytime") not in V.ANYTIME_KINDS:
        c.err(where, f"anytime must be one of {sorted(V.ANYTIME_KINDS)}")
    if raw and raw.get("actor") not in V.ACTORS:
        c.err(where, f"actor must be one of {sorted(V.ACTORS)}")
    fields: list[Field] = []
    for i, fraw in enumerate(raw.get("fields") or []):
        fields.append(_field(c, f"{where}.fields[{i}]", fraw, fields, forms))
    if raw and not fields:
        c.err(where, "a node needs at least one field")
    ids = [f.id for f in fields]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        c.err(where, f"duplicate field id {dup!r}")
    ctx = (nid, {f.id: f for f in fields}, raw_nodes, forms)
    routes = []
    raw_next = raw.get("next")
    if isinstance(raw_next, str):
        raw_next = [{"to": raw_next}]
    if raw and (not isinstance(raw_next, list) or not raw_next):
        c.err(where, "next must be a node or outcome id, or a non-empty list of routes")
        raw_next = []
    for i, rraw in enumerate(raw_next or []):
        w = f"{where}.next[{i}]"
        if not c.keys(w, rraw, V.ROUTE_KEYS, ["to"]):
            continue
        if rraw["to"] not in targets:
            c.err(w, f"goes to {rraw['to']!r}, which is neither a node nor an outcome")
        guards = parse_guards(c, w, rraw.get("when"), ctx)
        if i == len(raw_next) - 1 and guards:
            c.err(w, "the last route must have no 'when', so every answer leads somewhere")
        routes.append(Route(str(rraw["to"]), guards, parse_effects(c, w, rraw.get("effects"), ctx)))
    return Node(
        id=nid,
        step=str(raw.get("step")),
        actor=str(raw.get("actor")),
        title=str(raw.get("title", "")),
        prompt=raw.get("prompt"),
        why=raw.get("why"),
        rule=raw.get("rule"),
        fields=tuple(fields),
        requires=parse_guards(c, f"{where}.requires", raw.get("requires"), ctx),
        effects=parse_effects(c, where, raw.get("effects"), ctx),
        next=tuple(routes),
        anytime=raw.get("anytime"),
    )


def _field(c: Checker, where: str, raw: Any, earlier: list[Field], forms: tuple[Choice, ...] = ()) -> Field:
    if not c.keys(where, raw, V.FIELD_KEYS, ["id", "type", "label"]):
        return Field(id=f"?{where}", type="text", label="?")
    ftype = raw.get("type")
    if ftype not in V.FIELD_TYPES:
        c.err(where, f"type {ftype!r} is not one of {sorted(V.FIELD_TYPES)}")
    choices: tuple[Choice, ...] = ()
    if ftype in ("choice", "multi_choice"):
        # "@forms" reuses the flow's forms of violence (T4) instead of repeating them.
        choices = forms if raw.get("choices") == "@forms" else _choices(c, f"{where}.choices", raw.get("choices"))
    elif "choices" in raw:
        c.err(where, f"a {ftype} field has no choices")
    when = None
    if "when" in raw:
        w = raw["when"]
        if not isinstance(w, dict) or set(w) != {"field", "in"} or not isinstance(w["in"], list):
            c.err(where, "when must be {field: <earlier field>, in: [values]}")
        else:
            ref = next((f for f in earlier if f.id == w["field"]), None)
            if ref is None:
                c.err(where, f"when refers to {w['field']!r}, which is not an earlier field")
            else:
                for value in w["in"]:
                    check_value(c, where, ref, value)
            when = Condition(str(w["field"]), tuple(w["in"]))
    dates = raw.get("dates", "any")
    if dates not in V.DATE_CONSTRAINTS:
        c.err(where, f"dates must be one of {sorted(V.DATE_CONSTRAINTS)}")
    for key in ("min", "max", "max_length"):
        if key in raw and not isinstance(raw[key], int):
            c.err(where, f"{key} must be an integer")
    return Field(
        id=str(raw.get("id")),
        type=str(ftype),
        label=c.text(where, raw, "label") or "",
        hint=raw.get("hint"),
        required=bool(raw.get("required", True)),
        choices=choices,
        when=when,
        min=raw.get("min"),
        max=raw.get("max"),
        dates=dates,
        max_length=int(raw.get("max_length", 3000)),
        default=_default(c, where, raw, ftype, choices),
    )


def _default(c: Checker, where: str, raw: dict[str, Any], ftype: Any, choices: tuple[Choice, ...]) -> Any:
    """A field's default must be a value the field accepts: a choice id, or true/false for a yes/no."""
    if "default" not in raw:
        return None
    value = raw["default"]
    if ftype == "yes_no" and isinstance(value, bool):
        return value
    if ftype == "choice" and any(ch.id == value for ch in choices):
        return value
    c.err(where, f"default {value!r} is not a value of this {ftype} field")
    return None


def _check_graph(c: Checker, start: str, reopen: str, nodes: dict[str, Node], outcomes: dict[str, Outcome]) -> None:
    """Every node is reachable, and from every node some outcome can be reached (no dead loops)."""
    seen, queue = {start, reopen}, deque([start, reopen])
    while queue:
        for route in nodes[queue.popleft()].next:
            if route.to in nodes and route.to not in seen:
                seen.add(route.to)
                queue.append(route.to)
    for nid in sorted(set(nodes) - seen):
        if nodes[nid].anytime is None:  # an anytime node is recorded outside the flow's order
            c.err(f"nodes.{nid}", "cannot be reached from start or reopen")
    reached_outcomes = {r.to for n in nodes.values() for r in n.next if r.to in outcomes}
    for oid in sorted(set(outcomes) - reached_outcomes):
        c.err(f"outcomes.{oid}", "no route leads to it")
    # Walk backwards from the outcomes: a node that cannot reach one traps a case forever.
    finishing = set()
    changed = True
    while changed:
        changed = False
        for nid, node in nodes.items():
            if nid not in finishing and any(r.to in outcomes or r.to in finishing for r in node.next):
                finishing.add(nid)
                changed = True
    for nid in sorted(set(nodes) - finishing):
        c.err(f"nodes.{nid}", "no path from here ends in an outcome")
