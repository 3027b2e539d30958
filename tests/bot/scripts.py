"""Reusable parts of dialogs: the rows that bring a case from opening to the AF's questions."""

from __future__ import annotations

CANARY = "KANARIE-7f3a"  # typed into free text; must never show up where it does not belong

OPEN_TO_STEP2 = [
    ("sanne", "open", None, "is geopend"),
    ("sanne", "triage.scope", {"scope": "domestic"}, "Vastgelegd"),
    ("sanne", "triage.forms", {"forms": ["lichamelijk"], "age": "14"}, "Vastgelegd"),
    ("sanne", "triage.kindcheck", {"siblings": "nee"}, "Vastgelegd: Kindcheck."),
    (
        "sanne",
        "step1.signal",
        {"kind": "fact", "text": f"blauwe plek op arm {CANARY}", "observed_on": "2-3-2026"},
        "Vastgelegd: 1 signaal.",
    ),
    ("sanne", "step1.more", {"next": "signal"}, None),
    (
        "sanne",
        "step1.signal",
        {"kind": "third_party", "text": "geschreeuw gehoord", "source": f"buurvrouw {CANARY}"},
        "Vastgelegd: 2 signalen.",
    ),
    ("sanne", "step1.more", {"next": "done"}, None),
    ("sanne", "step1.sisa", {"given": "nee"}, None),
    (
        "sanne",
        "step2.request",
        {"urgency": "today", "question": f"hoe verder {CANARY}"},
        "Mila Jansen gevraagd om de consultatie op te pakken",
    ),
]

CONSULT_TO_Q1 = [
    ("mila", "take_up", None, "Je hebt de consultatie"),
    (
        "sanne",
        "step2.consultation",
        {"date": "2-3-2026", "outcome": f"zorgen gedeeld {CANARY}", "advice": "none"},
        "Vastgelegd",
    ),
    ("sanne", "step3.conversation", {"held": "held"}, None),
    (
        "sanne",
        "step3.report",
        {"date": "2-3-2026", "with_whom": ["client", "parent"], "facts": "plek besproken", "reaction": "moeder schrok"},
        None,
    ),
    ("sanne", "step3.verwijsindex", {"decision": "not_needed"}, "aandachtsfunctionaris aan zet"),
]

MELDING_AFTER_DECISION = [
    ("sanne", "step5.discuss", {"discussed": "discussed"}, None),
    (
        "sanne",
        "step5.discussion",
        {"with_whom": ["client", "parent"], "reaction": "boos", "objections": "ja", "weighing": "veiligheid gaat voor"},
        None,
    ),
    (
        "sanne",
        "step5.prepare",
        {"involved": "moeder, vader, jeugdige", "network": "oma"},
        "Gegevens voor het telefoongesprek met Veilig Thuis",
    ),
    (
        "sanne",
        "step5.melding",
        {"date": "2-3-2026", "identity": "open", "agreements": "wij blijven begeleiden"},
        "Vastgelegd: Melding bij Veilig Thuis.",
    ),
]

# Step 4 to help (Q1b, Q2a, Q3b, Q4b): the AF then writes the help plan.
HELP_TO_PLAN = [
    ("mila", "step4.q1", {"answer": "b"}, None),
    ("mila", "step4.q2", {"answer": "a"}, None),
    ("mila", "step4.q3", {"answer": "b"}, None),
    ("mila", "step4.q4", {"answer": "b"}, None),
]
