"""The console's command table: every command once, with what it runs and how its buttons are typed.

/help is made from it (in the table's order, with each command's usage and description from the texts), the
loop dispatches by it, and a button in a reply is shown as the command that does the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.console import commands as case
from bot.console import organisation as org
from bot.console.session import Session
from bot.messages import Action, Button
from bot.texts import Texts


@dataclass(frozen=True)
class Command:
    name: str  # typed as /name
    run: Callable[[Session, str], None] | None  # None: only inside a question (bot.console.forms handles it)
    buttons: Mapping[Action, str] = field(default_factory=dict)  # a button of this kind, typed: its arguments
    listed: bool = True  # in /help


def _help(s: Session, arg: str) -> None:
    s.say(help_text(s.texts))


COMMANDS: tuple[Command, ...] = (
    Command("nieuw", case.new_case, {Action.NEW_CASE: ""}),
    Command("zaken", case.my_cases),
    Command("open", case.open_case, {Action.OPEN_CASE: "{code}"}),
    Command("verder", case.go_on, {Action.CONTINUE: "{code}"}),
    Command("signaal", case.add_signal, {Action.ADD_SIGNAL: "{code}"}),
    Command("contact", case.add_contact, {Action.ADD_CONTACT: "{code}"}),
    Command("sisa", case.add_sisa, {Action.ADD_SISA: "{code}"}),
    Command("hulpplan", case.add_help_plan, {Action.HELP_PLAN: "{code}"}),
    Command("correctie", case.correct),
    Command("toegang", case.access_log),
    Command("export", case.export),
    Command("opvolgen", case.follow_up),
    Command("oppakken", case.take_up, {Action.TAKE_UP: "{code}"}),
    Command("moment", case.propose_moment, {Action.PROPOSE_MOMENT: "{code} DATUM TIJD"}),
    Command("doorgeven", case.hand_over, {Action.HAND_TO_DEPUTY: "{code}"}),
    Command("collega", case.add_colleague),
    Command("zonder", case.remove_colleague),
    Command("heropen", case.reopen, {Action.REOPEN: "{code}"}),
    Command("acuut", case.acute, {Action.ACUTE: "{code}"}),
    Command("uitstellen", case.snooze, {Action.SNOOZE_DAY: "{ref} dag", Action.SNOOZE_WEEK: "{ref} week"}),
    Command("afgehandeld", case.reminder_done, {Action.REMINDER_DONE: "{ref} NOTITIE"}),
    Command("tijd", case.move_clock),
    Command("als", case.become),
    Command("wie", case.who),
    Command("berichten", case.messages),
    Command("uitleg", case.explain, {Action.EXPLAIN: "{ref}"}),
    Command("cijfers", org.figures),
    Command("grafiek", org.chart, {Action.STATS_CHART: ""}),
    Command("jaarverslag", org.report, {Action.REPORT: "[JAAR]"}),
    Command("beheer", org.people_overview),
    Command("rol", org.set_roles, {Action.MANAGE_ROLES: "WIE ROL"}),
    Command("afwezig", org.record_absence, {Action.RECORD_ABSENCE: "[WIE] VAN TOT"}),
    Command("schrap", org.cancel_absence),
    Command("welkom", org.welcome_all, {Action.WELCOME_ALL: ""}),
    Command("oordeel", org.feedback, {Action.FEEDBACK: "{code} {ref}"}),
    Command("gelezen", org.acknowledge_board, {Action.BOARD_ACK: "{code}"}),
    Command("taal", org.language),
    Command("annuleer", None),
    Command("stop", case.stop),
    Command("help", _help, listed=False),
)
BY_NAME = {command.name: command for command in COMMANDS}
FOR_BUTTON = {action: (command.name, args) for command in COMMANDS for action, args in command.buttons.items()}


def find(name: str) -> Command | None:
    """The command typed at the prompt (any case); None for one the console does not know there."""
    command = BY_NAME.get(name.lower())
    return command if command is not None and command.run is not None else None


def help_text(texts: Texts) -> str:
    lines = [texts("console.help_title")]
    for command in COMMANDS:
        if command.listed:
            usage = f"/{command.name} {texts(f'console.usage.{command.name}')}".strip()
            lines.append(f"  {usage.ljust(18)}  {texts(f'console.does.{command.name}')}")
    return "\n".join(lines)


# The shared texts name Slack's slash command; the console says its own commands instead.
SLASH = {"nieuw": "nieuw", "mijn": "zaken", "uitleg": "uitleg", "acuut": "acuut", "taal": "taal"}
_SLASH = re.compile(r"/meldcode (" + "|".join(SLASH) + r")\b")


def in_console_words(text: str) -> str:
    """`/meldcode nieuw` as the console types it: `/nieuw` (and `/meldcode mijn` as `/zaken`)."""
    return _SLASH.sub(lambda m: f"/{SLASH[m[1]]}", text)


def button_text(texts: Texts, button: Button) -> str:
    """A button, as the command that does the same: `[Oppakken: /oppakken MC-2026-0001]`."""
    name, args = FOR_BUTTON[button.action]
    typed = f"/{name} {args.format(code=button.case_code or '', ref=button.ref or '')}".strip()
    return texts("console.button", label=button.label, command=typed)
