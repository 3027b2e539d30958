"""Checking a flow definition as it is read: errors are collected (each with where it is), and the arguments of
guards and effects are checked against the fields they name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flows import vocabulary as V
from flows.model import Choice, EffectSpec, Field, Guard


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def keys(self, where: str, data: Any, allowed: frozenset[str], required: Iterable[str] = ()) -> bool:
        if not isinstance(data, dict):
            self.err(where, f"expected a mapping, got {type(data).__name__}")
            return False
        for key in sorted(set(data) - allowed):
            self.err(where, f"unknown key {key!r}")
        for key in required:
            if key not in data:
                self.err(where, f"missing key {key!r}")
        return True

    def text(self, where: str, data: dict[str, Any], key: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.err(where, f"missing key {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(where, f"{key!r} must be a non-empty string")
            return None
        return value

    def single(self, where: str, data: Any, allowed: frozenset[str], kind: str) -> tuple[str, dict[str, Any]] | None:
        """A guard or effect: a mapping with one key (its name) whose value is its arguments."""
        if isinstance(data, str):
            data = {data: {}}
        if not isinstance(data, dict) or len(data) != 1:
            self.err(where, f"a {kind} is a mapping with exactly one key, its name")
            return None
        ((name, args),) = data.items()
        if name not in allowed:
            self.err(where, f"unknown {kind} {name!r} (known: {', '.join(sorted(allowed))})")
            return None
        if args is None or args is True:
            args = {}
        if not isinstance(args, dict):
            self.err(where, f"{kind} {name!r} takes a mapping of arguments")
            return None
        return name, args


# What a node's guards and effects are checked against: its id, its own fields, all nodes as read, the forms.
Context = tuple[str, dict[str, Field], dict[str, Any], tuple[Choice, ...]]


def resolve_field(c: Checker, where: str, ref: str, ctx: Context) -> Field | None:
    nid, own_fields, raw_nodes, _ = ctx
    if ":" in ref:
        other, fid = ref.split(":", 1)
        raw = raw_nodes.get(other)
        if not isinstance(raw, dict):
            c.err(where, f"{ref!r}: no node {other!r}")
            return None
        for fr in raw.get("fields") or []:
            if isinstance(fr, dict) and fr.get("id") == fid:
                raw_choices = fr.get("choices") or []
                choices = (
                    ctx[3]
                    if raw_choices == "@forms"
                    else tuple(Choice(str(ch.get("id")), "") for ch in raw_choices if isinstance(ch, dict))
                )
                return Field(id=fid, type=str(fr.get("type")), label="", choices=choices)
        c.err(where, f"{ref!r}: node {other!r} has no field {fid!r}")
        return None
    if ref not in own_fields:
        c.err(where, f"{ref!r} is not a field of node {nid!r}")
        return None
    return own_fields[ref]


def parse_guards(c: Checker, where: str, raw: Any, ctx: Context) -> tuple[Guard, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    guards = []
    for item in items:
        parsed = c.single(where, item, V.GUARDS, "guard")
        if not parsed:
            continue
        name, args = parsed
        if name in ("answer_is", "answer_in"):
            need = {"field", "value"} if name == "answer_is" else {"field", "values"}
            if set(args) != need:
                c.err(where, f"guard {name} takes exactly {sorted(need)}")
                continue
            field = resolve_field(c, where, str(args["field"]), ctx)
            if field:
                for value in [args["value"]] if name == "answer_is" else args["values"]:
                    check_value(c, where, field, value)
        elif name == "number_between":
            if "field" not in args or not set(args) - {"field"} or not set(args) <= {"field", "min", "max"}:
                c.err(where, "guard number_between takes {field, min and/or max}")
                continue
            if not all(isinstance(args[k], int) for k in ("min", "max") if k in args):
                c.err(where, "guard number_between: min and max are whole numbers")
                continue
            field = resolve_field(c, where, str(args["field"]), ctx)
            if field and field.type != "number":
                c.err(where, f"guard number_between needs a number field, {args['field']!r} is a {field.type}")
        elif name == "specific_form":
            if set(args) != {"field"}:
                c.err(where, "guard specific_form takes exactly ['field']")
                continue
            resolve_field(c, where, str(args["field"]), ctx)
        elif name == "vt_advice_recorded":
            if set(args) != {"forms", "node"} or args.get("node") not in ctx[2]:
                c.err(where, "guard vt_advice_recorded takes {forms: node:field, node: <advice node>}")
                continue
            resolve_field(c, where, str(args["forms"]), ctx)
        elif args:
            c.err(where, f"guard {name} takes no arguments")
        guards.append(Guard(name, dict(args)))
    return tuple(guards)


def parse_effects(c: Checker, where: str, raw: Any, ctx: Context | None) -> tuple[EffectSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.err(where, "effects must be a list")
        return ()
    out = []
    for item in raw:
        parsed = c.single(where, item, V.EFFECTS, "effect")
        if not parsed:
            continue
        name, args = parsed
        if name == "schedule_reminder":
            if args.get("kind") not in V.REMINDER_KINDS:
                c.err(where, f"schedule_reminder kind must be one of {sorted(V.REMINDER_KINDS)}")
            to = args.get("to")
            if not isinstance(to, list) or not to or not set(to) <= V.RECIPIENTS:
                c.err(where, f"schedule_reminder to must be a non-empty subset of {sorted(V.RECIPIENTS)}")
            for key in sorted(set(args) - {"kind", "to", "from", "until"}):
                c.err(where, f"schedule_reminder: unknown argument {key!r}")
            for key in ("from", "until"):
                if key in args:
                    if ctx is None:
                        c.err(where, f"schedule_reminder {key} needs a node's field")
                    else:
                        f = resolve_field(c, where, str(args[key]), ctx)
                        if f and f.type not in ("date", "date_list"):
                            c.err(where, f"schedule_reminder {key} must name a date field")
        elif name == "cancel_reminders":
            kinds = args.get("kinds")
            if set(args) != {"kinds"} or not isinstance(kinds, list) or not set(kinds) <= V.REMINDER_KINDS:
                c.err(where, "cancel_reminders takes {kinds: [D1..D8]}")
        elif name == "notify_af":
            if set(args) != {"notice"} or not isinstance(args.get("notice"), str):
                c.err(where, "notify_af takes {notice: <template name>}")
        elif args:
            c.err(where, f"effect {name} takes no arguments")
        out.append(EffectSpec(name, dict(args)))
    return tuple(out)


def check_value(c: Checker, where: str, field: Field, value: Any) -> None:
    if field.type in ("choice", "multi_choice") and field.choice(str(value)) is None:
        c.err(where, f"{value!r} is not a choice of field {field.id!r}")
    if field.type == "yes_no" and not isinstance(value, bool):
        c.err(where, f"{value!r} is not true/false for yes/no field {field.id!r}")
