"""Issue "dossier": the dossier as a document people can file (S2.4, S1.4): HTML from Jinja2 templates with a
print stylesheet, and PDF/A made from that HTML, with its metadata and no case text in its file name."""

from __future__ import annotations

import re
import zlib

from tests.bot.dialog import Dialog
from tests.bot.scripts import CANARY, CONSULT_TO_Q1, OPEN_TO_STEP2


def _case(service, chat) -> Dialog:
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1)
    service.add_entry("sanne", d.code, "signal", {"kind": "fact", "text": "<script>alert(1)</script>"})
    service.correct("sanne", d.code, 1, "Correctie: de omvang was eerst verkeerd gekozen")
    return d


def test_s2_4_the_html_dossier_is_a_document_not_markdown_lines(service, chat):
    d = _case(service, chat)
    page = service.export("sanne", d.code, "html").text()
    assert page.startswith("<!doctype html>") and '<html lang="nl">' in page
    assert "**" not in page and "<p>#" not in page and "- Status" not in page  # no Markdown as characters
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page  # typed text is never markup
    # Print: A4, the case code and "vertrouwelijk" in every page's header, page numbers.
    assert "size: A4" in page and f'content: "Zaak {d.code} · dossier meldcode"' in page
    assert 'content: "vertrouwelijk"' in page and "counter(page)" in page and "counter(pages)" in page
    # Sections per step; the signals as a table with kind, date and source (X4: from others marked).
    assert [h for h in re.findall(r"<h2>(.*?)</h2>", page)][:4] == [
        "Signalen (stap 1)",
        "Eerst even bepalen",
        "Stap 1: signalen in kaart brengen",
        "Stap 2: collegiale consultatie",
    ]
    table = page.split('<table class="signals">')[1].split("</table>")[0]
    assert re.findall(r"<th>(.*?)</th>", table) == ["Soort", "Wanneer", "Bron", "Signaal", "Vastgelegd"]
    assert '<span class="third">van derden:</span> buurvrouw' in table and "ma 2 mrt 2026" in table
    # A correction beside what it amends, which stays; who and when on every entry.
    scope = page.split("<h3>Valt dit onder de stappen van de meldcode?</h3>")[1].split('<div class="entry">')[0]
    assert "Iemand uit de huiselijke kring" in scope and 'class="amend">Correctie' in scope
    assert "de omvang was eerst verkeerd gekozen" in scope
    assert page.count('<div class="meta">') == page.count('<div class="entry">')


def _streams(pdf: bytes) -> bytes:
    """The PDF's streams, inflated where compressed: enough to read its XMP metadata and text markers."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return b"\n".join(out)


def test_s2_4_the_pdf_is_pdf_a_with_its_metadata_and_the_code_as_its_only_name(service, chat):
    d = _case(service, chat)
    reply = service.export("mila", d.code, "pdf")
    name, pdf = reply.messages[0].file
    assert name == f"meldcode-dossier-{d.code}.pdf" and CANARY not in name
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-32:]
    xmp = _streams(pdf)
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp  # PDF/A-2b
    assert f"Dossier meldcode: zaak {d.code}".encode() in xmp  # the title
    assert d.code.encode() in xmp and b"meldcode-bot" in xmp  # keywords and creator tool
    assert re.search(rb"xmp:CreateDate>\d{4}-\d{2}-\d{2}T", xmp)
    assert re.search(rb"/Lang ?\(nl\)", pdf + xmp)
    assert reply.messages[0].text == f"Dossier van zaak {d.code} als PDF/A."  # what a chat may show


def test_s2_4_an_unknown_format_is_refused_in_words(service, chat):
    d = _case(service, chat)
    refused = service.export("sanne", d.code, "docx")
    assert not refused.ok and refused.text() == "Dat formaat ken ik niet. Kies md, html, pdf of summary."
    early = service.export("sanne", d.code, "summary")
    assert not early.ok and "nog geen gegevens voor Veilig Thuis" in early.text()


def test_s2_4_meldcode_export_writes_the_pdf_to_an_owner_only_file(tmp_path):
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    from bot.chat import RecordingChat
    from bot.settings import Settings
    from bot.startup import build_service
    from tests.bot.dialog import new_case
    from tests.conftest import TEST_KEYS

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MELDCODE_", "DATABASE_URL"))}
    env.update({"MELDCODE_DATA_DIR": str(tmp_path / "data"), "MELDCODE_KEYS": TEST_KEYS})
    service = build_service(Settings.from_env(env), RecordingChat(), create=True)  # as the console does
    code = new_case(service, "sanne")
    service.store.dispose()
    out = tmp_path / "dossier.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", code, "--as", "sanne", "--format", "pdf", "--out", str(out)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().strip() == f"written to {out} (owner-only)"
    assert out.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(out.stat().st_mode) == 0o600


# ---- getting it out of Slack without putting it in Slack: one-time links ---------------------------------


def _audit(service) -> list[tuple[str, str, str, str | None]]:
    from sqlalchemy import select

    from storage.models import AuditEntry

    with service.store.transaction() as s:
        return [(e.action, e.user_ref, e.outcome, e.reason) for e in s.scalars(select(AuditEntry))]


def test_dossier_link_is_for_one_person_single_use_hashed_and_audited_as_their_export(service, chat):
    import hashlib

    from sqlalchemy import select

    from storage.models import DossierLink

    d = _case(service, chat)
    minted = service.dossier_link("sanne", d.code, "html")
    link = minted.messages[0].link
    assert link.startswith("/dossier/") and "werkt één keer en 10 minuten lang" in minted.text()
    token = link.removeprefix("/dossier/")
    assert len(token) >= 32  # 24 random bytes: 192 bits (at least 128)
    with service.store.transaction() as s:
        rows = list(s.scalars(select(DossierLink)))
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]  # only its hash
    first = service.open_link(token)
    assert first.ok and first.text().startswith("<!doctype html>") and d.code in first.text()
    again = service.open_link(token)
    assert not again.ok and again.text().startswith("Deze link is al gebruikt; hij werkt één keer.")
    forged = service.open_link("A" * 32)
    assert not forged.ok and forged.text().startswith("Deze link ken ik niet.")
    log = _audit(service)
    assert ("export", "sanne", "ok", None) in log  # used: the export of the person it was made for
    assert ("open_link", "link:used", "refused", "link_used") in log
    assert ("open_link", "link:unknown", "refused", "link_unknown") in log
    assert ("dossier_link", "sanne", "ok", None) in log


def test_dossier_link_expires_after_ten_minutes_and_needs_access_when_made_and_when_used(service, chat, clock):
    import datetime as dt

    d = _case(service, chat)
    assert "Geen toegang" in service.dossier_link("tom", d.code, "pdf").text()  # not on the case: no link
    late = service.dossier_link("sanne", d.code, "pdf").messages[0].link.removeprefix("/dossier/")
    clock.now += dt.timedelta(minutes=10, seconds=1)
    expired = service.open_link(late)
    assert not expired.ok and expired.text().startswith("Deze link is verlopen")
    assert service.add_colleague("sanne", d.code, "tom").ok
    theirs = service.dossier_link("tom", d.code, "pdf").messages[0].link.removeprefix("/dossier/")
    assert service.remove_colleague("sanne", d.code, "tom").ok
    gone = service.open_link(theirs)
    assert not gone.ok and "Geen toegang" in gone.text()  # removed from the case since: refused, audited
    pdf = service.open_link(service.dossier_link("sanne", d.code, "pdf").messages[0].link.removeprefix("/dossier/"))
    assert pdf.ok and pdf.messages[0].file[1].startswith(b"%PDF-")


def test_x4_the_melding_summary_follows_veilig_thuis_form_with_blanks_for_what_the_bot_never_keeps(d, service):
    """The melder with phone and e-mail (from the config), the people involved with marked blanks for the child's
    name, date of birth and address, the concerns with dates and marked sources, the network, the discussion per
    person, what was agreed with Veilig Thuis (S5.2); each in its own section, in that order."""
    from tests.bot.scripts import MELDING_AFTER_DECISION, Q3A

    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1 + Q3A + MELDING_AFTER_DECISION[:3])
    summary = next(
        m.text
        for m in d.do("sanne", "step5.prepare", {"involved": "moeder, stiefvader", "network": "oma"}).messages
        if "telefoongesprek" in m.text
    )
    sections = [line for line in summary.splitlines() if line[:2] in ("1.", "2.", "3.", "4.", "5.", "6.")]
    assert sections == [
        "1. Melder",
        "2. Betrokkenen",
        "3. Zorgen",
        "4. Steunnetwerk",
        "5. Besproken met de cliënt",
        "6. Afspraken met Veilig Thuis",
    ]
    assert "- Sanne de Vries, Kindkrachtspecialist, SWV Kindkracht (demo)" in summary
    assert "- Telefoon: 06 12 34 56 78 · e-mail: zorgloket@kindkracht.example" in summary  # own phone, SWV's e-mail
    assert "naam …………… · geboortedatum …………… · adres ……………" in summary and "- Leeftijd: 14 jaar" in summary
    assert "- Andere kinderen in het gezin: nee" in summary and "- Ouders en anderen: moeder, stiefvader" in summary
    signals = summary.split("3. Zorgen")[1].split("4. Steunnetwerk")[0]
    assert "[feit/waarneming] blauwe plek op arm" in signals and "· ma 2 mrt 2026, vastgelegd ma 2 mrt 2026" in signals
    assert "[van derden] geschreeuw gehoord (bron: buurvrouw" in signals and "datum niet vastgelegd" in signals
    assert summary.split("4. Steunnetwerk")[1].split("5.")[0].strip() == "- oma"
    assert "- Besproken met de jeugdige: ja, ma 2 mrt 2026" in summary and "- Afweging: aard en ernst:" in summary
    assert "(vul je in na het gesprek: wie doet wat, en wanneer)" in summary
    d.play(MELDING_AFTER_DECISION[4:5])  # the melding: what was agreed is recorded, and the summary shows it
    alone = service.export("mila", d.code, "summary")  # its own document, for the AF too
    assert alone.ok and alone.text().startswith("Gegevens voor het telefoongesprek met Veilig Thuis")
    agreed = service.export("sanne", d.code).text().split("6. Afspraken met Veilig Thuis")[1]
    assert MELDING_AFTER_DECISION[4][2]["agreements"] in agreed.split("\n")[1]


def test_s2_4_the_pdf_read_as_text_holds_every_recorded_fact_in_its_section_in_order(service, chat, tmp_path):
    """As a reader would: the text `pdftotext` (Debian's poppler-utils) takes from the PDF."""
    import shutil
    import subprocess

    import pytest

    from tests.conftest import IN_CI

    if shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("pdftotext (poppler-utils) is missing; CI must read the PDF as text")
        pytest.skip("Debian's poppler-utils is not installed")
    d = _case(service, chat)
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(service.export("sanne", d.code, "pdf").messages[0].file[1])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    order = [
        f"Dossier meldcode: zaak {d.code}",
        "Signalen (stap 1)",
        "blauwe plek op arm",
        "geschreeuw gehoord",
        "<script>alert(1)</script>",  # typed text, as text
        "Eerst even bepalen",
        "Valt dit onder de stappen van de meldcode?",
        "de omvang was eerst verkeerd gekozen",  # the correction, right after what it amends
        "Om welke vorm(en) van geweld gaat het vermoedelijk?",
        "Stap 1: signalen in kaart brengen",
        "Stap 2: collegiale consultatie",
        "zorgen gedeeld",
        "Stap 3: gesprek met de cliënt",
        "moeder schrok",
        "Tijdlijn",
    ]
    flat = " ".join(text.split())
    positions = [flat.find(" ".join(item.split())) for item in order]
    assert all(p >= 0 for p in positions), [item for item, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "**" not in text and "\n# " not in text and "\n- Status" not in text  # no Markdown syntax
    assert f"Zaak {d.code} · dossier meldcode" in text and "VERTROUWELIJK" in text and "pagina 1 van" in text
