"""The organisation's config file (people, roles, absences, timezone, reminder settings), validated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from flows.model import Policy

STAFF_ROLES = ("kindkrachtspecialist", "trajectbegeleider", "onderwijskundig_medewerker")
TOP_KEYS = {"organisation", "people", "absences", "settings"}
ORG_KEYS = {"key", "name", "timezone", "flow", "phone", "email"}
PERSON_KEYS = {"id", "name", "role", "af", "deputy", "board", "admin", "phone", "email"}
ABSENCE_KEYS = {"person", "from", "to"}
# Reminder settings an organisation may change; the rest of Policy comes from them.
SETTING_KEYS = {f.name for f in fields(Policy)} - {"timezone", "extra_closed_days"} | {
    "closed_days",
    "office_hours",
    "retention_months",
    "training_every_months",
    "evaluation_month",
}
# How long a closed case is kept, in months after closing, by how it ended. Reasoning in the README:
# 2 years mirrors the leerlingdossier rule (kept 2 years after the pupil leaves; the SWV sees the case
# close, not the pupil leave); a melding is kept 5 years, as Veilig Thuis may ask about it and new
# signals are weighed against it.
DEFAULT_RETENTION = {"closed": 24, "monitoring": 24, "reported": 60}
DEFAULT_OFFICE_HOURS = (dt.time(8, 30), dt.time(17, 0))


class ConfigError(Exception):
    def __init__(self, source: str, errors: list[str]):
        self.source, self.errors = source, errors
        super().__init__(f"{source}: {len(errors)} error(s) in the organisation config:\n  - " + "\n  - ".join(errors))


@dataclass(frozen=True)
class PersonConfig:
    external_id: str
    name: str
    staff_role: str | None
    is_af: bool = False
    is_deputy: bool = False
    is_board: bool = False
    is_admin: bool = False

    def as_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class OrgConfig:
    key: str
    name: str
    timezone: str
    people: tuple[PersonConfig, ...]
    absences: tuple[dict[str, Any], ...] = ()
    policy: Policy = field(default_factory=Policy)
    office_hours: tuple[dt.time, dt.time] = DEFAULT_OFFICE_HOURS  # reminders go out only then
    retention_months: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RETENTION))
    training_every_months: int = 12  # C3: how often staff are reminded to refresh their training
    evaluation_month: int = 6  # C7: the month the AF and the board are asked to evaluate (June)
    is_demo: bool = False
    source: str = "<demo>"
    flow_id: str = "meldcode"  # the meldcode this organisation follows (a variant: flows/definitions/<id>)
    # How Veilig Thuis reaches the melder (X4): the organisation's phone and e-mail, and each person's own.
    contact: tuple[str | None, str | None] = (None, None)
    contacts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def contact_of(self, external_id: str) -> tuple[str | None, str | None]:
        """A person's phone and e-mail for the melding summary, each falling back to the organisation's."""
        phone, email = self.contacts.get(external_id, (None, None))
        return phone or self.contact[0], email or self.contact[1]


def demo_config_path() -> Path:
    return Path(str(resources.files("bot") / "demo" / "organisation.yaml"))


def load_config(path: Path | None) -> OrgConfig:
    """The given file, or the demo organisation when no file is configured."""
    source = path or demo_config_path()
    try:
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(source), [f"cannot read the file: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(source), [f"not valid YAML: {exc}"]) from None
    except ValueError as exc:  # YAML that reads a date like 2026-13-01 raises this from its date constructor
        problem = f"a value is not what it looks like (a date that does not exist?): {exc}"
        raise ConfigError(str(source), [problem]) from None
    return parse_config(data, source=str(source), is_demo=path is None)


def parse_config(data: Any, *, source: str = "<config>", is_demo: bool = False) -> OrgConfig:
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must be a mapping with organisation, people, absences, settings"])
    for key in sorted(set(data) - TOP_KEYS):
        errors.append(f"unknown key {key!r}")
    org = data.get("organisation") or {}
    if not isinstance(org, dict):
        errors.append("organisation must be a mapping")
        org = {}
    for key in sorted(set(org) - ORG_KEYS):
        errors.append(f"organisation: unknown key {key!r}")
    for key in ("key", "name"):
        if not isinstance(org.get(key), str) or not org.get(key):
            errors.append(f"organisation.{key} is required")
    timezone = org.get("timezone", "Europe/Amsterdam")
    flow_id = org.get("flow", "meldcode")
    if not isinstance(flow_id, str) or not flow_id.replace("-", "").replace("_", "").isalnum():
        errors.append("organisation.flow must be the name of a flow definition folder, e.g. meldcode")
        flow_id = "meldcode"
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"organisation.timezone {timezone!r} is not a known timezone")

    contact = (_contact(org, "phone", "organisation", errors), _contact(org, "email", "organisation", errors))
    contacts: dict[str, tuple[str | None, str | None]] = {}
    people: list[PersonConfig] = []
    ids: set[str] = set()
    for i, raw in enumerate(data.get("people") or []):
        where = f"people[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where} must be a mapping")
            continue
        for key in sorted(set(raw) - PERSON_KEYS):
            errors.append(f"{where}: unknown key {key!r}")
        pid, name, role = raw.get("id"), raw.get("name"), raw.get("role")
        if not isinstance(pid, str) or not pid:
            errors.append(f"{where}.id is required (the person's Slack user id)")
            continue
        if pid in ids:
            errors.append(f"{where}.id {pid!r} appears twice")
        ids.add(pid)
        if not isinstance(name, str) or not name:
            errors.append(f"{where}.name is required")
        if role is not None and role not in STAFF_ROLES:
            errors.append(f"{where}.role must be one of {', '.join(STAFF_ROLES)} (or left out)")
        flags = {k: raw.get(k, False) for k in ("af", "deputy", "board", "admin")}
        for key, value in flags.items():
            if not isinstance(value, bool):
                errors.append(f"{where}.{key} must be true or false")
        if (flags["af"] or flags["deputy"]) and role != "onderwijskundig_medewerker":
            errors.append(f"{where}: the AF and deputies are onderwijskundig medewerkers (rule B4)")
        contacts[pid] = (_contact(raw, "phone", where, errors), _contact(raw, "email", where, errors))
        people.append(
            PersonConfig(
                pid,
                str(name),
                role,
                bool(flags["af"]),
                bool(flags["deputy"]),
                bool(flags["board"]),
                bool(flags["admin"]),
            )
        )
    if sum(p.is_af for p in people) != 1:
        errors.append("exactly one person must be the AF (af: true)")
    if not any(p.is_deputy for p in people):
        errors.append("at least one deputy is needed for when the AF is absent (deputy: true)")
    if not any(p.is_board for p in people):
        errors.append("a board contact is needed, to inform at a strong suspicion (board: true, rule Q1b)")
    if not any(p.staff_role for p in people):
        errors.append("at least one staff member is needed")

    absences = []
    for i, raw in enumerate(data.get("absences") or []):
        where = f"absences[{i}]"
        if not isinstance(raw, dict) or set(raw) != ABSENCE_KEYS:
            errors.append(f"{where} must have exactly person, from and to")
            continue
        if raw["person"] not in ids:
            errors.append(f"{where}.person {raw['person']!r} is not one of the people")
        if not isinstance(raw["from"], dt.date) or not isinstance(raw["to"], dt.date):
            errors.append(f"{where}: from and to must be dates (YYYY-MM-DD)")
        elif raw["from"] > raw["to"]:
            errors.append(f"{where}: from is after to")
        absences.append(dict(raw))

    org_settings = parse_settings(data.get("settings") or {}, str(timezone), errors)

    if errors:
        raise ConfigError(source, errors)
    return OrgConfig(
        key=org["key"],
        name=org["name"],
        timezone=str(timezone),
        people=tuple(people),
        absences=tuple(absences),
        **org_settings,
        is_demo=is_demo,
        source=source,
        flow_id=flow_id,
        contact=contact,
        contacts={k: v for k, v in contacts.items() if any(v)},
    )


def _contact(raw: dict[str, Any], key: str, where: str, errors: list[str]) -> str | None:
    """A phone number or e-mail address as written (checked for shape only: Veilig Thuis reads it out)."""
    value = raw.get(key)
    if value is None:
        return None
    ok = isinstance(value, str) and 0 < len(value) <= 80 and value.isprintable()
    if ok and key == "email":
        ok = value.count("@") == 1 and "." in value.split("@")[1] and " " not in value
    if ok and key == "phone":
        ok = sum(c.isdigit() for c in value) >= 6 and all(c.isdigit() or c in " +-()" for c in value)
    if not ok:
        errors.append(f"{where}.{key} {value!r} is not a{'n e-mail address' if key == 'email' else ' phone number'}")
        return None
    return value


def parse_settings(settings: Any, timezone: str, errors: list[str]) -> dict[str, Any]:
    """The `settings` of an organisation (config file, or stored for a hosted workspace) as OrgConfig fields;
    every problem is added to `errors`."""
    policy_args: dict[str, Any] = {"timezone": str(timezone)}
    office_hours = DEFAULT_OFFICE_HOURS
    retention = dict(DEFAULT_RETENTION)
    org_notices: dict[str, int] = {}
    if not isinstance(settings, dict):
        errors.append("settings must be a mapping")
        settings = {}
    for key, value in settings.items():
        if key not in SETTING_KEYS:
            errors.append(f"settings: unknown key {key!r} (known: {', '.join(sorted(SETTING_KEYS))})")
        elif key == "retention_months":
            if (
                not isinstance(value, dict)
                or not set(value) <= set(DEFAULT_RETENTION)
                or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value.values())
            ):
                errors.append(
                    "settings.retention_months maps closed, monitoring and reported to whole months (1 or more)"
                )
            else:
                retention.update(value)
        elif key in ("training_every_months", "evaluation_month"):
            limit = 60 if key == "training_every_months" else 12
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
                errors.append(f"settings.{key} must be a whole number from 1 to {limit}")
            else:
                org_notices[key] = value
        elif key == "office_hours":
            try:
                start, end = (dt.time.fromisoformat(part.strip()) for part in str(value).split("-"))
                if start >= end:
                    raise ValueError
                office_hours = (start, end)
            except ValueError:
                errors.append("settings.office_hours must look like 08:30-17:00")
        elif key == "closed_days":
            if not isinstance(value, list) or not all(isinstance(d, dt.date) for d in value):
                errors.append("settings.closed_days must be a list of dates (YYYY-MM-DD)")
            else:
                policy_args["extra_closed_days"] = tuple(value)
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(f"settings.{key} must be a whole number, 0 or more")
        else:
            policy_args[key] = value
    if isinstance(policy_args.get("reminder_hour"), int) and not 0 <= policy_args["reminder_hour"] <= 23:
        errors.append("settings.reminder_hour must be between 0 and 23")

    policy_args["office_hours"] = office_hours  # D5's office hours for an urgent request
    return {"policy": Policy(**policy_args), "office_hours": office_hours, "retention_months": retention, **org_notices}


def hosted_config(*, key: str, name: str, timezone: str, flow_id: str, settings_yaml: str | None) -> OrgConfig:
    """A hosted workspace's organisation: people come from the workspace, settings from what its operator
    stored (`meldcode --org T settings FILE`), defaults otherwise."""
    errors: list[str] = []
    try:
        raw = yaml.safe_load(settings_yaml) if settings_yaml else {}
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"settings of {key}", [f"not valid YAML: {exc}"]) from None
    extra = parse_settings(raw or {}, timezone, errors)
    if errors:
        raise ConfigError(f"settings of {key}", errors)
    return OrgConfig(key=key, name=name, timezone=timezone, people=(), flow_id=flow_id, **extra)
