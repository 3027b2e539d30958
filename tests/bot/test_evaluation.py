"""C7: the yearly evaluation report for the board: this year against the years before it, from anonymous
counts that survive the retention purge; small counts never shown as numbers, nor drawn as bars."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot import evaluation
from bot.jobs.reminders import ReminderSender
from bot.jobs.retention import purge_expired
from storage.models import AuditEntry, Case
from tests.bot.dialog import Dialog
from tests.bot.scripts import CONSULT_TO_Q1, OPEN_TO_STEP2
from tests.conftest import IN_CI

AMS = ZoneInfo("Europe/Amsterdam")
HIDDEN = "\u00d7"  # the multiplication sign: hidden beside a "<5"


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS)


def closed_without_action(service, chat) -> None:
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2, *CONSULT_TO_Q1, ("mila", "step4.q1", {"answer": "a"}, "Gesloten zonder actie")])


def only_triage(service, chat, hypothesis: bool = False) -> None:
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2[:4])
    if hypothesis:  # D4: a reminder in 14 days to check it
        d.play([("sanne", "step1.signal", {"kind": "hypothesis", "text": "x"}, None)])


def two_years(service, chat, clock) -> None:
    """2026: 6 cases closed without action after the AF took them up the same day, 2 still at the triage;
    2027: 5 cases with a hypothesis whose reminders went out and were never answered."""
    clock.now = local(2026, 3, 2, 10)
    for _ in range(6):
        closed_without_action(service, chat)
    for _ in range(2):
        only_triage(service, chat)
    clock.now = local(2027, 3, 1, 10)
    for _ in range(5):
        only_triage(service, chat, hypothesis=True)
    ReminderSender(service).run_once(local(2027, 3, 15, 9, 5))


def text_of(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("pdftotext (poppler-utils) is missing; CI must read the PDF as text")
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def row(text: str, label: str) -> list[str]:
    """A table row of the PDF's text as a reader sees it: the label, then a cell per year."""
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    return line.strip()[len(label) :].split()


def test_c7_the_report_sets_this_year_against_the_last_suppresses_small_counts_and_survives_the_purge(
    service, chat, clock, tmp_path
):
    two_years(service, chat, clock)
    clock.now = local(2028, 3, 6, 10)  # the 2026 cases' 24 months ended on 2 March 2028
    before = service.report("els", 2027, "pdf")  # the board
    name, pdf = before.messages[0].file
    assert name == "meldcode-jaarevaluatie-2027.pdf"
    text = text_of(pdf, tmp_path)
    assert "Jaarevaluatie meldcode 2027" in text and "vergeleken met 2026" in text
    assert row(text, "zaken geopend") == ["8", "5"]
    # 2026: 6 closed and 2 running of 8: the 2 reads "<5", and the 6 is hidden (8 - 6 would give it away).
    assert row(text, "gesloten zonder actie") == [HIDDEN, "0"]
    assert row(text, "lopend") == ["<5", "5"]
    assert row(text, "stap 4: afwegen") == [HIDDEN, "0"] and row(text, "eerste bepaling") == ["<5", "0"]
    assert row(text, "stap 1: signalen") == ["0", "5"]  # a hypothesis is a step-1 answer
    assert row(text, "dezelfde werkdag") == ["6", "0"]
    # 2027: each hypothesis' check (D4) and the first "step 1 still open" (D6); 2026: the triage-only cases' D6.
    assert row(text, "herinneringen zonder antwoord") == ["<5", "10"]
    assert "MC-" not in text and "Sanne" not in text and "Mila" not in text  # no case, no person

    assert purge_expired(service, clock.now) == 6  # the closed 2026 cases go; their counts stay
    with service.store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 7
    after = text_of(service.report("els", 2027, "pdf").messages[0].file[1], tmp_path)
    for label in ("zaken geopend", "gesloten zonder actie", "lopend", "stap 4: afwegen", "dezelfde werkdag"):
        assert row(after, label) == row(text, label), label


def test_c7_the_report_declares_pdf_a_and_its_metadata_and_keeps_no_confidential_mark(service, chat, clock):
    from tests.bot.test_dossier import _streams

    two_years(service, chat, clock)
    pdf = service.report("mila", 2027, "pdf").messages[0].file[1]  # the AF may make it too
    xmp = _streams(pdf)
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp  # PDF/A-2b
    assert b"Jaarevaluatie meldcode 2027" in xmp and re.search(rb"/Lang ?\(nl\)", pdf + xmp)
    html = service.report("mila", 2027, "html").text()
    assert 'lang="nl"' in html and "vertrouwelijk" not in html.lower()  # anonymous, for the annual report
    assert "<svg" in html and "<img" not in html  # the charts are vector graphics in the page itself


def test_c7_only_the_board_and_the_af_get_the_report_and_a_refusal_is_audited(service, chat, clock):
    only_triage(service, chat)
    refused = service.report("sanne", 2026, "pdf")
    assert not refused.ok and "De cijfers zijn voor" in refused.text() and not refused.messages[0].file
    assert "jaar van 2000 tot en met 2026" in service.report("els", 2031, "pdf").text()
    assert "pdf of html" in service.report("els", 2026, "docx").text()
    with service.store.transaction() as s:
        outcomes = s.scalars(select(AuditEntry.outcome).where(AuditEntry.action == "report")).all()
    assert outcomes == ["refused", "refused", "refused"]


def test_c7_the_report_in_english_for_an_english_reader(service, chat, clock):
    only_triage(service, chat)
    service.set_language("els", "en")
    html = service.report("els", 2026, "html").text()
    assert "Meldcode yearly evaluation 2026" in html and 'lang="en"' in html and "cases opened" in html


def test_c7_the_board_gets_the_report_through_a_one_time_link(service, chat, clock):
    only_triage(service, chat)
    reply = service.report_link("els", 2026)
    link = reply.messages[0].link
    assert link.startswith("/dossier/") and "één keer" in reply.text()
    token = link.rsplit("/", 1)[1]
    opened = service.open_link(token)
    assert opened.ok and opened.messages[0].file[0] == "meldcode-jaarevaluatie-2026.pdf"
    assert not service.open_link(token).ok  # once
    assert not service.report_link("sanne", 2026).ok


def test_c7_a_small_count_is_drawn_as_the_interval_1_to_4_never_as_a_filled_bar():
    from bot.charts import INTERVAL, bars, plt

    fig, ax = plt.subplots()
    bars(ax, ["melding", "hulp", "lopend"], [("2026", [7, "small", "hidden"]), ("2025", [0, 5, "small"])], axis="n")
    filled = [p for p in ax.patches if p.get_gid().startswith("count")]
    small = [p for p in ax.patches if p.get_gid().startswith("small")]
    assert sorted(p.get_width() for p in filled) == [5, 7]  # only counts of 5 and more are bars of a length
    assert all(p.get_fill() for p in filled)
    assert len(small) == 2
    for box in small:
        assert not box.get_fill() and box.get_linestyle() == "--"
        assert (box.get_x(), box.get_x() + box.get_width()) == INTERVAL == (1, 4)
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels.count("<5") == 2 and HIDDEN in labels and "0" in labels
    plt.close(fig)


def test_c7_working_out_a_small_count_from_the_total_is_prevented():
    assert evaluation.suppressed([6, 2], adds_up=True) == ["hidden", "small"]
    assert evaluation.suppressed([6, 2, 3], adds_up=True) == [6, "small", "small"]  # two unknowns: safe
    assert evaluation.suppressed([6, 2], adds_up=False) == [6, "small"]
    assert evaluation.suppressed([0, 2], adds_up=True) == [0, "small"]  # the total is "<5" itself
    assert evaluation.suppressed([9, 7, 0], adds_up=True) == [9, 7, 0]
