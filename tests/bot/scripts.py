"""Reusable parts of dialogs: the rows that bring a case from opening to the AF's questions."""

from __future__ import annotations

CANARY = "KANARIE-7f3a"  # typed into free text; must never show up where it does not belong

OPEN_TO_STEP2 = [
    ("sanne", "open", None, "krijgt een code zodra je het eerste antwoord opslaat"),
    ("sanne", "triage.scope", {"scope": "domestic"}, "is geopend"),
    ("sanne", "triage.forms", {"forms": ["lichamelijk"], "age": "14"}, "Vastgelegd"),
    ("sanne", "triage.kindcheck", {"siblings": "nee"}, "Vastgelegd: Kindcheck."),
    (
        "sanne",
        "step1.signal",
        {"kind": "fact", "text": f"blauwe plek op arm {CANARY}", "observed_on": "2-3-2026"},
        "Vastgelegd: 1 signaal.",
    ),
    (
        "sanne",
        "signal",  # another signal: an action at any moment, not a "what now?" answer
        {"kind": "third_party", "text": "geschreeuw gehoord", "source": f"buurvrouw {CANARY}"},
        "Vastgelegd: 2 signalen.",
    ),
    (
        "sanne",
        "step2.request",
        {"urgency": "today"},
        "Mila Jansen gevraagd om de consultatie op te pakken",
    ),
]

CONSULT_TO_Q1 = [
    ("sanne", "sisa", {"given": "nee"}, "Vastgelegd: SISA"),  # S1.5, recorded while the AF is asked
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

# The melding for a 14-year-old (flow version 2): the young person and the parents each (S5.3), the parents
# object, the objections are weighed against the protection, and the melding follows.
DISCUSSED = {"discussed": "discussed", "date": "2-3-2026", "explanation": "waarom we melden, en met welk doel"}
MELDING_AFTER_DECISION = [
    ("sanne", "step5.discuss_client", {**DISCUSSED, "reaction": "stil, wel opgelucht", "objections": "nee"}, None),
    (
        "sanne",
        "step5.discuss_parent",
        {
            **DISCUSSED,
            "reaction": "boos",
            "objections": "ja",
            "objections_text": "wil geen bemoeienis",
            "meet": "kan niet: de veiligheid gaat voor",
        },
        None,
    ),
    (
        "sanne",
        "step5.weighing",
        {"severity": "herhaald slaan", "protection": "de jeugdige is thuis niet veilig", "prevails": "yes"},
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

# Step 4 to a melding (Q1b, Q2a, Q3a): no help that fits, so step 5 follows.
Q3A = [
    ("mila", "step4.q1", {"answer": "b"}, None),
    ("mila", "step4.q2", {"answer": "a"}, None),
    ("mila", "step4.q3", {"answer": "a", "note": "geen passende hulp in de buurt"}, None),
]

# Step 4 to help (Q1b, Q2a, Q3b, Q4b): the AF then writes the help plan.
HELP_TO_PLAN = [
    ("mila", "step4.q1", {"answer": "b"}, None),
    ("mila", "step4.q2", {"answer": "a"}, None),
    ("mila", "step4.q3", {"answer": "b"}, None),
    ("mila", "step4.q4", {"answer": "b"}, None),
]

# After a melding made at once (Q2b): Q3-Q5 as answered with Veilig Thuis, then the discussion per person.
AFTER_ACUTE_MELDING = [
    (
        "sanne",
        "step4.with_vt",
        {
            "date": "2-3-2026",
            "with_whom": "Veilig Thuis, dienstdoende",
            "help": "VT onderzoekt",
            "acceptance": "VT spreekt de ouders",
            "result": "VT koppelt terug",
        },
        None,
    ),
    ("sanne", "step5.discuss_client", {"discussed": "skip_safety", "reason": "vader dreigt"}, None),
    ("sanne", "step5.discuss_parent", {"discussed": "skip_safety", "reason": "vader dreigt"}, None),
]
