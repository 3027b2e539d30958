"""The dossier export: everything the pupil file needs, for the people on the case only, audited."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry
from tests.bot.dialog import Dialog, new_case
from tests.bot.scripts import CONSULT_TO_Q1, OPEN_TO_STEP2


def test_the_dossier_holds_signals_answers_with_who_and_when_corrections_and_the_x4_summary(service, chat):
    d = Dialog(service, chat)
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + [
            ("mila", "step4.q1", {"answer": "b"}, None),
            ("mila", "step4.q2", {"answer": "a"}, None),
            ("mila", "step4.q3", {"answer": "a"}, None),
            ("sanne", "step5.discuss_client", {"discussed": "skip_safety", "reason": "dreiging"}, None),
            ("sanne", "step5.discuss_parent", {"discussed": "skip_safety", "reason": "dreiging"}, None),
            ("sanne", "step5.prepare", {"involved": "moeder <b>", "network": "oma"}, None),
        ]
    )
    service.correct("sanne", d.code, 1, "Correctie: het ging om de stiefvader")
    dossier = service.export("sanne", d.code).text()
    for expected in (
        "# Dossier meldcode: zaak " + d.code,
        "**feit/waarneming**: blauwe plek op arm",
        "**van derden**: geschreeuw gehoord",
        "— bron: buurvrouw",
        "## Stap 4: wegen met de afwegingsvragen",
        "Mila Jansen (aandachtsfunctionaris)",
        "Sterk vermoeden van huiselijk geweld",
        "**Correctie**",
        "het ging om de stiefvader",
        "## Gegevens voor Veilig Thuis (voor de melding)",
        "Besproken met de jeugdige: nee; reden: dreiging",
        "Besproken met de ouder(s) of verzorger(s): nee; reden: dreiging",
        "## Tijdlijn",
    ):
        assert expected in dossier, expected
    page = service.export("mila", d.code, "html").text()
    assert page.startswith("<!doctype html>") and "moeder &lt;b&gt;" in page and "moeder <b>" not in page


def test_only_people_on_the_case_export_and_every_export_is_audited(service, chat):
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2[:2])
    assert "Geen toegang" in service.export("tom", d.code).text()
    service.export("sanne", d.code)
    with service.store.transaction() as s:
        log = [(e.event, e.action, e.user_ref, e.outcome) for e in s.scalars(select(AuditEntry))]
    assert ("search", "export", "tom", "refused") not in log
    assert ("export", "export", "tom", "refused") in log and ("export", "export", "sanne", "ok") in log
    assert not any("telefoongesprek" in m.text for _, m in chat.sent)  # never sent anywhere


def test_an_export_printed_to_a_terminal_shows_control_characters_and_never_obeys_them(tmp_path):
    """Hardening finding 3: text stored before input was checked (or restored from elsewhere) may hold an ANSI
    sequence; `meldcode export` to the AF's terminal shows it as `\\x1b`, in a file too."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from bot.chat import RecordingChat
    from bot.settings import Settings
    from bot.startup import build_service
    from storage import cases as case_repo
    from storage import signals as signal_repo
    from tests.conftest import TEST_KEYS

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELDCODE_", "DATABASE_URL"))}
    env.update({"MELDCODE_DATA_DIR": str(tmp_path), "MELDCODE_KEYS": TEST_KEYS})
    service = build_service(Settings.from_env(env), RecordingChat(), create=True)  # as the console does
    code = new_case(service, "sanne")
    with service.store.transaction() as s:  # as an old database may hold it: written before the check
        case = case_repo.get_case(s, org_id=1, code=code)
        signal_repo.add_signal(
            s,
            case=case,
            kind="fact",
            text="rood \x1b[31mGEVAAR\x1b[0m \x07",
            source=None,
            diagnosed_by=None,
            observed_on=None,
            created_by_id=1,
            now=service.clock(),
        )
    service.store.dispose()
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", code, "--as", "sanne"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "rood \\x1b[31mGEVAAR\\x1b[0m \\x07" in run.stdout
    out = tmp_path / "dossier.md"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", code, "--as", "sanne", "--out", str(out)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "\x1b" not in out.read_text() and "\\x1b[31m" in out.read_text()
