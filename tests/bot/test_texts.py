"""Every text the code can ask for exists: for each reminder kind, recipient, event and error code."""

from __future__ import annotations

import pytest

from bot.service import EVENTS as AUDIT_EVENTS
from bot.texts import Texts
from flows.vocabulary import RECIPIENTS, REMINDER_KINDS

TEXTS = Texts()


@pytest.mark.parametrize("kind", sorted(REMINDER_KINDS))
def test_every_reminder_kind_has_a_dm_and_a_name(kind):
    assert "MC-1" in TEXTS(f"reminders.{kind}", code="MC-1", due="")
    assert TEXTS(f"reminder_kinds.{kind}")


@pytest.mark.parametrize("role", sorted(RECIPIENTS))
def test_every_recipient_role_has_a_name(role):
    assert TEXTS(f"recipients.{role}", owner="Sanne")


@pytest.mark.parametrize("event", sorted(set(AUDIT_EVENTS.values())))
def test_every_audit_event_has_a_label(event):
    assert TEXTS(f"audit.events.{event}")


@pytest.mark.parametrize(
    "code",
    [
        "required",
        "invalid_choice",
        "invalid_yes_no",
        "invalid_date",
        "date_in_future",
        "date_in_past",
        "invalid_number",
        "invalid_person",
        "unknown_field",
    ],
)
def test_every_answer_error_code_has_a_dutch_message(code):
    assert TEXTS(f"errors.{code}", min=1, max=2)


def test_every_timeline_event_the_code_writes_has_a_text():
    import re
    from pathlib import Path

    bot = Path(__file__).resolve().parents[2] / "bot"
    admin = bot / "service" / "admin.py"
    source = "".join(p.read_text() for p in bot.rglob("*.py") if p != admin)
    written = r'(?:kind=|\.record\(\s*)"([a-z_]+)"'  # case_repo.add_event(kind="…") or call.record("…")
    kinds = set(re.findall(written, source)) - {k.lower() for k in REMINDER_KINDS}
    assert kinds and all(kind in TEXTS.raw("events") for kind in kinds), sorted(kinds - set(TEXTS.raw("events")))
    # The organisation's own events (roles, absences, hand-overs) show in the admins' overview.
    org_kinds = set(re.findall(written, admin.read_text()))
    assert org_kinds and org_kinds <= set(TEXTS.raw("admin.change")), sorted(org_kinds - set(TEXTS.raw("admin.change")))


# ---- English as a second language: every Dutch text has an English one ------------------------------
def _shape(node, path=""):
    """Every key path of a catalogue, with lists by length (days, months)."""
    if isinstance(node, dict):
        return {p for k, v in node.items() for p in _shape(v, f"{path}.{k}" if path else str(k))}
    if isinstance(node, list):
        return {f"{path}[{len(node)}]"}
    return {path}


def test_every_dutch_text_has_an_english_one_and_no_english_text_is_extra():
    nl, en = Texts(language="nl"), Texts(language="en")
    dutch, english = _shape(nl.raw("dates") and nl.current.catalogue), _shape(en.current.catalogue)
    assert dutch - english == set(), "missing in en.yaml"
    assert english - dutch == set(), "not in nl.yaml"


def _leaves(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, str):
        yield path, node


def test_english_texts_render_and_are_not_left_in_dutch():
    """Each English text renders with the variables its Dutch twin uses, and differs from it (a copy-paste
    of the Dutch text would pass the key check above) unless it is a name, a number or a variable."""
    import re

    from jinja2 import meta

    nl, en = Texts(language="nl"), Texts(language="en")
    same = []
    for key, dutch in _leaves(nl.current.catalogue):
        english = en.raw(key)
        variables = meta.find_undeclared_variables(nl.current.env.parse(dutch))
        assert meta.find_undeclared_variables(en.current.env.parse(english)) <= variables, key
        params = {v: "x" for v in variables} | {
            v: 1 for v in ("count", "waiting", "hypotheses", "round") if v in variables
        }
        try:
            en(key, **params)
        except Exception as exc:
            raise AssertionError(f"{key}: {exc}") from exc
        if english == dutch and re.search(r"[a-z]{4}", re.sub(r"{[{%].*?[}%]}", "", dutch)):
            same.append(key)
    # Words that are the same in both languages (proper names, Dutch institutions, "monitoring").
    assert set(same) <= {
        "status.open",
        "status.monitoring",
        "roles.board",
        "slack.meldcode_title",
        "stats.groups.vt",
        "stats.groups.routes",
        "slack.export",
        "console.button",
        "console.person_line",
        "admin.person_line",
        "explain.step_button",
        "slack.dossier_title",
        "dossier.status",
        # a console command's arguments keep their Dutch words in English too, as the commands do
        "console.usage.export",
        "console.usage.oordeel",
        "console.usage.uitstellen",
    }, sorted(same)


def test_every_template_exists_in_both_languages():
    from pathlib import Path

    base = Path(__file__).resolve().parents[2] / "bot" / "templates"
    assert {p.name for p in (base / "nl").glob("*.j2")} == {p.name for p in (base / "en").glob("*.j2")} != set()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_fixed_text_reads_the_same_without_jinja_as_through_it(language):
    """Texts without template syntax skip Jinja2 (speed); what people read must not change by that."""
    catalogue = Texts(language=language).current

    def texts(node, key=""):
        if isinstance(node, dict):
            for part, child in node.items():
                yield from texts(child, f"{key}.{part}" if key else part)
        elif isinstance(node, str):
            yield key, node

    fixed = [(key, source) for key, source in texts(catalogue.catalogue) if "{" not in source]
    assert len(fixed) > 100
    for key, source in fixed:
        assert catalogue(key) == catalogue.env.from_string(source).render(), key
    with_newline = [key for key, source in fixed if source.endswith("\n")]
    assert with_newline, "no fixed text ends in a newline: the stripping is untested"
