"""Parse and check what a person typed or picked for a field; errors are codes the bot renders in Dutch."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from flows.model import Field, Node


class FieldError(Exception):
    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)


class AnswerRejected(Exception):
    """One or more fields were invalid; nothing was changed. errors maps field id -> FieldError."""

    def __init__(self, errors: Mapping[str, FieldError]):
        self.errors = dict(errors)
        super().__init__(", ".join(f"{k}: {e.code}" for k, e in self.errors.items()))


MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "maart": 3,
    "mrt": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augustus": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
YES = {"ja", "j", "yes", "y", "true", "1"}
NO = {"nee", "n", "no", "false", "0"}


# What typed text may not hold: control characters other than newline and tab (NUL, BEL, ANSI escape
# sequences start with ESC, C1 controls), lone UTF-16 surrogates (not text; they cannot be stored), and the
# bidirectional overrides and isolates that make a line read differently from what it holds ("Trojan source").
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(raw: Any, *, max_length: int = 3000) -> str:
    """Typed free text as it is stored: a string, line ends made \\n, composed (NFC), trimmed. Refused (FieldError)
    when it is not a string, holds control characters or is too long; nothing is silently dropped."""
    if not isinstance(raw, str):
        raise FieldError("not_text")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL_CHARACTERS.search(text):
        raise FieldError("control_characters")
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > max_length:
        raise FieldError("too_long", max=max_length)
    return text


def parse_yes_no(raw: Any) -> bool:
    """ja/nee (and yes/no, true/false) as people type them, or a bool from a form."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise FieldError("invalid_yes_no")


def parse_date(raw: Any) -> dt.date:
    """Dates as Dutch people write them: 5-5-2026, 5/5/2026, 5 mei 2026, or ISO 2026-05-05."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip().lower()
    parts: tuple[int, int, int] | None = None  # year, month, day as written
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        parts = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})", text):
        parts = int(m[3]) + (2000 if len(m[3]) == 2 else 0), int(m[2]), int(m[1])
    elif (m := re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", text)) and m[2] in MONTHS:
        parts = int(m[3]), MONTHS[m[2]], int(m[1])
    if parts is None:
        raise FieldError("invalid_date", value=str(raw)[:40])
    year, month, day = parts
    try:
        return dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12 and day >= 1:  # 31-2-2026: the month exists, that day of it does not
            raise FieldError("no_such_day", day=day, month=month) from None
        raise FieldError("invalid_date", value=str(raw)[:40]) from None


def _check_date(field: Field, value: dt.date, today: dt.date) -> dt.date:
    if field.dates == "past" and value > today:
        raise FieldError("date_in_future")
    if field.dates == "future" and value < today:
        raise FieldError("date_in_past")
    return value


def _is_empty(raw: Any) -> bool:
    return (
        raw is None
        or (isinstance(raw, str) and not raw.strip())
        or (isinstance(raw, (list, tuple, set)) and len(raw) == 0)
    )


def parse_field(field: Field, raw: Any, *, today: dt.date, people: Iterable[str] = ()) -> Any:
    if field.type == "text":
        return clean_text(raw, max_length=field.max_length)
    if field.type == "choice":
        value = str(raw).strip()
        if field.choice(value) is None:
            raise FieldError("invalid_choice", value=value[:40])
        return value
    if field.type == "multi_choice":
        items = raw if isinstance(raw, (list, tuple)) else re.split(r"[,\s]+", str(raw).strip())
        values = []
        for item in items:
            item = str(item).strip()
            if not item:
                continue
            if field.choice(item) is None:
                raise FieldError("invalid_choice", value=item[:40])
            if item not in values:
                values.append(item)
        if not values:
            raise FieldError("required")
        return values
    if field.type == "yes_no":
        return parse_yes_no(raw)
    if field.type == "date":
        return _check_date(field, parse_date(raw), today)
    if field.type == "date_list":
        items = raw if isinstance(raw, (list, tuple)) else [p for p in re.split(r"[;,]", str(raw))]
        dates = [_check_date(field, parse_date(i), today) for i in items if not _is_empty(i)]
        if not dates:
            raise FieldError("required")
        return sorted(set(dates))
    if field.type == "number":
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise FieldError("invalid_number") from None
        if field.min is not None and number < field.min:
            raise FieldError("number_too_small", min=field.min)
        if field.max is not None and number > field.max:
            raise FieldError("number_too_large", max=field.max)
        return number
    if field.type == "person":
        if isinstance(raw, Mapping):
            if isinstance(raw.get("id"), str) and raw["id"] in set(people):
                return {"id": raw["id"]}
            if "id" not in raw and raw.get("name"):
                return {"name": clean_text(raw["name"], max_length=field.max_length)}
            raise FieldError("invalid_person")
        return {"name": clean_text(raw, max_length=field.max_length)}
    raise FieldError("unknown_type")  # unreachable: the loader admits only known types


def is_asked(field: Field, values: Mapping[str, Any]) -> bool:
    """A conditional field is asked only when the field it depends on has one of its values."""
    if field.when is None:
        return True
    return values.get(field.when.field) in field.when.values


def parse_answer(node: Node, raw: Mapping[str, Any], *, today: dt.date, people: Iterable[str] = ()) -> dict[str, Any]:
    """All fields of a node at once; raises AnswerRejected listing every invalid field."""
    values: dict[str, Any] = {}
    errors: dict[str, FieldError] = {}
    for field in node.fields:
        if not is_asked(field, values):
            continue
        value = raw.get(field.id)
        if _is_empty(value) and field.default is not None:
            value = field.default  # a field left out takes the default the form showed preselected
        if _is_empty(value):
            if field.required:
                errors[field.id] = FieldError("required")
            continue
        try:
            values[field.id] = parse_field(field, value, today=today, people=people)
        except FieldError as exc:
            errors[field.id] = exc
    unknown = set(raw) - {f.id for f in node.fields}
    for key in sorted(unknown):
        errors[key] = FieldError("unknown_field")
    if errors:
        raise AnswerRejected(errors)
    return values


def to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values to JSON (dates as ISO strings) for storage."""

    def conv(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, list):
            return [conv(i) for i in v]
        return v

    return {k: conv(v) for k, v in values.items()}


def from_json(node: Node, values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON back to typed values, by the node's field types."""
    types = {f.id: f.type for f in node.fields}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if types.get(key) == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif types.get(key) == "date_list" and isinstance(value, list):
            value = [dt.date.fromisoformat(v) for v in value]
        out[key] = value
    return out
