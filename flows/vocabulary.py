"""The closed sets a flow definition may use: question types, actors, guards, effects, reminder kinds."""

from __future__ import annotations

# Field (question) types and the Python type of their parsed value.
FIELD_TYPES = frozenset(
    {
        "text",  # str
        "choice",  # str: a choice id
        "multi_choice",  # list[str]: choice ids
        "yes_no",  # bool
        "date",  # datetime.date
        "date_list",  # list[datetime.date], ascending
        "number",  # int
        "person",  # {"id": person id} or {"name": free text, for people outside the organisation}
    }
)

# Who may answer a node. "staff" are the case's members (B1); "af" is the attention officer or,
# while the AF is absent, the deputy (B3, B4); "together" is either of them (B2).
ACTORS = frozenset({"staff", "af", "together"})

# Case flags the engine sets: the consultation was taken up (B2); a child told it themselves (X1: a signal of
# this kind, stored as a fact with the flag).
DISCLOSURE = "disclosure"

# Named guards Python implements (flows.guards); a definition can only name these.
GUARDS = frozenset(
    {
        "answer_is",  # {field: "node.field", value: x}
        "answer_in",  # {field: "node.field", values: [x, y]}
        "specific_form",  # {field}: a form in flow.specific_forms applies (S2.3)
        "vt_advice_recorded",  # {forms, node}: VT advice is recorded where a specific form applies (S2.3)
        "consultation_taken_up",  # the AF has taken up the consultation request (B2)
        "number_between",  # {field, min?, max?}: a number answer within bounds, both included (S5.3: ages)
    }
)

# Named effects Python carries out (the service applies them); a definition can only name these.
EFFECTS = frozenset(
    {
        "notify_af",  # {notice: template name}: a DM to the acting AF
        "request_consultation",  # ask the AF for collegial consultation by DM (S2.1)
        "inform_board",  # tell the board contact (Q1b)
        "record_signal",  # store the node's answer as a typed signal (S1.2)
        "schedule_reminder",  # {kind: D1..D8, ...}: a reminder row
        "cancel_reminders",  # {kinds: [...]}: cancel pending reminders of those kinds
        "melding_summary",  # prepare the X4 summary for the phone call to Veilig Thuis
    }
)

REMINDER_KINDS = frozenset({"D1", "D1b", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9"})

# Who a reminder goes to: the case owner (the staff member since step 1), the acting AF, or a deputy
# (D5 escalates a consultation the AF has not taken up).
RECIPIENTS = frozenset({"staff", "af", "deputy"})

# Keys allowed in each part of a definition; anything else is rejected at load time.
FLOW_KEYS = frozenset(
    {"id", "version", "title", "start", "reopen", "forms", "specific_forms", "steps", "nodes", "outcomes"}
)
STEP_KEYS = frozenset({"id", "title", "why"})
NODE_KEYS = frozenset(
    {"step", "actor", "title", "prompt", "why", "rule", "fields", "requires", "effects", "next", "anytime"}
)
# Nodes that may also be answered at any moment while a case is open, outside the flow's order:
# a new signal (S1.1, S5.1) and a contact, consultation or advice (S1.4, S4.0, X7). A new help plan (Q4b)
# is not named in a definition: it is the node that rules Q4b, recordable while the help runs (flows.engine).
ANYTIME_KINDS = frozenset({"signal", "contact", "sisa"})
REQUIRED_ANYTIME = frozenset({"signal", "contact"})  # every version has these; SISA at any moment since version 2
# Of those, recorded once: when the flow reaches such a node and it is on record already, the flow goes on past it
# (SISA, S1.5, can be recorded from the moment the AF is asked; step 3 waits until it is).
ONCE_KINDS = frozenset({"sisa"})
HELP_PLAN = "help_plan"
FIELD_KEYS = frozenset(
    {"id", "type", "label", "hint", "required", "choices", "when", "min", "max", "dates", "max_length", "default"}
)
CHOICE_KEYS = frozenset({"id", "label", "rule"})
ROUTE_KEYS = frozenset({"to", "when", "effects"})
OUTCOME_KEYS = frozenset({"title", "status", "rule", "effects", "message"})
OUTCOME_STATUSES = frozenset({"closed", "monitoring", "reported"})
DATE_CONSTRAINTS = frozenset({"past", "future", "any"})
