"""The console's command table: /help is made from it in both languages, every button a reply can carry is shown
as a command that exists, and only what the table lists runs at the prompt."""

from __future__ import annotations

import io

import pytest

from bot import i18n
from bot.console import table
from bot.console.chat import ConsoleChat
from bot.console.loop import Console
from bot.messages import Action, Button, Message


@pytest.fixture(autouse=True)
def dutch_afterwards():
    yield
    i18n.set_for_event(None)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_help_lists_every_command_with_its_usage_and_what_it_does(service, language):
    i18n.set_for_event(language)
    lines = table.help_text(service.texts).splitlines()
    assert lines[0] == ("Opdrachten:" if language == "nl" else "Commands (they keep their Dutch names):")
    listed = [command.name for command in table.COMMANDS if command.listed]
    assert [line.split()[0] for line in lines[1:]] == [f"/{name}" for name in listed]
    assert all(len(line.split(None, 1)[1].strip()) > 5 for line in lines[1:])  # each says what it does
    moment = next(line for line in lines if line.startswith("  /moment"))
    assert ("DATUM TIJD" if language == "nl" else "DATE TIME") in moment


def test_every_button_is_shown_as_a_command_the_console_knows(service):
    for action in Action:
        shown = table.button_text(service.texts, Button("Knop", action, case_code="MC-2026-0001", ref="7"))
        typed = shown.split(": ", 1)[1].rstrip("]")
        command = table.find(typed.split()[0][1:])
        assert command is not None and action in command.buttons, action
    assert table.button_text(service.texts, Button("Uitstellen", Action.SNOOZE_WEEK, ref="12")) == (
        "   [Uitstellen: /uitstellen 12 week]"
    )


def test_a_command_only_for_inside_a_question_is_unknown_at_the_prompt(service):
    assert table.find("annuleer") is None and table.find("bestaatniet") is None
    assert table.find("NIEUW") is table.BY_NAME["nieuw"]  # commands are read in any case
    out = io.StringIO()
    chat = ConsoleChat(write=lambda text: None, texts=service.texts)
    console = Console(service, chat, stdin=io.StringIO("/annuleer\n/help\n/stop\n"), stdout=out, echo=False)
    assert console.run() == 0
    text = out.getvalue()
    assert "Dat ken ik niet. Typ /help voor de opdrachten." in text
    assert text.count("Opdrachten:") == 2  # at the start, and for /help
    assert text.rstrip().endswith("Tot ziens.")


def test_the_shared_texts_slack_commands_are_shown_as_the_consoles_own(service):
    """Texts shared with Slack name `/meldcode nieuw`; the console says `/nieuw` (and `/zaken` for `mijn`)."""
    assert table.in_console_words("met /meldcode nieuw, of /meldcode mijn") == "met /nieuw, of /zaken"
    out, dms = io.StringIO(), []
    chat = ConsoleChat(write=dms.append, texts=service.texts)
    Console(service, chat, stdin=io.StringIO("/uitleg\n/stop\n"), stdout=out, echo=False).run()
    assert "/nieuw opent een zaak" in out.getvalue() and "/meldcode" not in out.getvalue()
    welcome = service.texts("dms.welcome", af="Mila Jansen")
    chat.send_dm(org_key="demo", person_id="sanne", message=Message(welcome))  # a DM, as the console shows it
    assert "met /nieuw." in dms[-1] and "/meldcode" not in dms[-1]
