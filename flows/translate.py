"""A flow in another language: an overlay file (N.<lang>.yaml) with the same ids and only the words, checked to
match the definition exactly (no text missing, none extra), applied to an immutable copy of the flow."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from flows.loader import FlowDefinitionError, definitions_dir
from flows.model import Choice, Field, Flow, Node

LANGUAGES = ("nl", "en")  # nl is the language of the definitions themselves


def _from_forms(flow: Flow, field: Field) -> bool:
    """A field whose choices are the flow's forms ("@forms") is translated through `forms`."""
    return bool(field.choices) and tuple(c.id for c in field.choices) == tuple(f.id for f in flow.forms)


def texts_of(flow: Flow) -> dict[str, Any]:
    """Every text of a flow, by id, in the shape of an overlay file."""

    def some(obj: Any, *names: str) -> dict[str, str]:
        return {n: getattr(obj, n) for n in names if getattr(obj, n)}

    nodes: dict[str, Any] = {}
    for node in flow.nodes.values():
        entry: dict[str, Any] = some(node, "title", "prompt", "why")
        fields = {}
        for field in node.fields:
            f: dict[str, Any] = some(field, "label", "hint")
            if field.choices and not _from_forms(flow, field):
                f["choices"] = {c.id: c.label for c in field.choices}
            fields[field.id] = f
        if fields:
            entry["fields"] = fields
        nodes[node.id] = entry
    return {
        "title": flow.title,
        "forms": {f.id: f.label for f in flow.forms},
        "steps": {s.id: some(s, "title", "why") for s in flow.steps.values()},
        "nodes": nodes,
        "outcomes": {o.id: some(o, "title", "message") for o in flow.outcomes.values()},
    }


def _compare(expected: Any, given: Any, where: str, errors: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(given, dict):
            errors.append(f"{where or 'top'}: expected a mapping")
            return
        for key in sorted(set(map(str, expected)) - set(map(str, given))):
            errors.append(f"{where}{'.' if where else ''}{key}: missing")
        for key in sorted(set(map(str, given)) - set(map(str, expected))):
            errors.append(f"{where}{'.' if where else ''}{key}: not in the definition")
        given_by = {str(k): v for k, v in given.items()}
        for key, value in expected.items():
            if str(key) in given_by:
                _compare(value, given_by[str(key)], f"{where}{'.' if where else ''}{key}", errors)
    elif not isinstance(given, str) or not given.strip():
        errors.append(f"{where}: expected a text")


def translate(flow: Flow, overlay: Mapping[str, Any], source: str = "overlay") -> Flow:
    """The flow with the overlay's words; raises FlowDefinitionError listing every mismatch."""
    errors: list[str] = []
    _compare(texts_of(flow), overlay, "", errors)
    if errors:
        raise FlowDefinitionError(source, errors)
    o = {k: ({str(i): v for i, v in d.items()} if isinstance(d, dict) else d) for k, d in overlay.items()}
    forms = tuple(dataclasses.replace(f, label=o["forms"][f.id]) for f in flow.forms)

    def text(entry: Mapping[str, Any], obj: Any, name: str) -> Any:
        return entry.get(name, getattr(obj, name))

    def field(node_entry: Mapping[str, Any], f: Field) -> Field:
        entry = node_entry.get("fields", {}).get(f.id, {})
        if _from_forms(flow, f):
            choices: tuple[Choice, ...] = forms
        else:
            choices = tuple(
                dataclasses.replace(c, label=entry.get("choices", {}).get(c.id, c.label)) for c in f.choices
            )
        return dataclasses.replace(f, label=text(entry, f, "label"), hint=text(entry, f, "hint"), choices=choices)

    def node(n: Node) -> Node:
        entry = o["nodes"][n.id]
        return dataclasses.replace(
            n,
            title=text(entry, n, "title"),
            prompt=text(entry, n, "prompt"),
            why=text(entry, n, "why"),
            fields=tuple(field(entry, f) for f in n.fields),
        )

    steps = {
        sid: dataclasses.replace(s, title=text(o["steps"][sid], s, "title"), why=text(o["steps"][sid], s, "why"))
        for sid, s in flow.steps.items()
    }
    outcomes = {
        oid: dataclasses.replace(
            oc, title=text(o["outcomes"][oid], oc, "title"), message=text(o["outcomes"][oid], oc, "message")
        )
        for oid, oc in flow.outcomes.items()
    }
    return dataclasses.replace(
        flow,
        title=str(o["title"]),
        forms=forms,
        steps=steps,
        outcomes=outcomes,
        nodes={nid: node(n) for nid, n in flow.nodes.items()},
    )


def load_translations(
    flows: Mapping[int, Flow], directory: Path | None = None, flow_id: str = "meldcode", *, strict: bool = True
) -> dict[str, dict[int, Flow]]:
    """{language: {version: flow}} for every language. Strict (start-up): each version must have every
    language's overlay; otherwise a version without one speaks Dutch (flows built in tests)."""
    directory = (directory or definitions_dir()) / flow_id
    out: dict[str, dict[int, Flow]] = {"nl": dict(flows)}
    for language in LANGUAGES[1:]:
        out[language] = {}
        for version, flow in flows.items():
            path = directory / f"{version}.{language}.yaml"
            if not path.exists() and not strict:
                out[language][version] = flow
                continue
            if not path.exists():
                raise FlowDefinitionError(str(path), [f"no {language} texts for version {version}"])
            out[language][version] = translate(
                flow, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, source=str(path)
            )
    return out
