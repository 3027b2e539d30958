"""C7 figures: anonymous, per period, counts under 5 suppressed; for the AF and the board only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

from tests.bot.dialog import Dialog

ROOT = Path(__file__).resolve().parents[2]
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def opened(d: Dialog, forms: list[str]) -> None:
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "triage.forms", {"forms": forms, "age": "10"}, None),
        ]
    )


def test_small_counts_are_suppressed_and_large_ones_shown(service, chat):
    d = Dialog(service, chat)
    for _ in range(6):
        opened(d, ["lichamelijk"])
    for _ in range(2):
        opened(d, ["vgv"])
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "pupils", "description": "x", "directie_informed": "ja"}, None),
        ]
    )
    text = service.stats("mila", *YEAR).text()
    assert "geopend: 9" in text
    assert "Lichamelijk geweld: 6" in text
    assert "Vrouwelijke genitale verminking (VGV): <5" in text and ": 2" not in text
    assert "buiten stappenplan: <5" in text and "lopend: 8" in text
    rows = list(csv.reader(io.StringIO(service.stats("els", *YEAR, fmt="csv").text())))
    assert rows[0] == ["van", "tot", "groep", "onderdeel", "aantal"]
    assert ["2026-01-01", "2026-12-31", "vorm van geweld", "Vrouwelijke genitale verminking (VGV)", "<5"] in rows


def test_only_the_af_and_the_board_see_the_figures_and_they_hold_no_codes(service, chat):
    d = Dialog(service, chat)
    opened(d, ["psychisch"])
    assert "De cijfers zijn voor" in service.stats("sanne", *YEAR).text()
    board = service.stats("els", *YEAR).text()
    assert "geopend: <5" in board and "MC-" not in board
    assert "Geen toegang" in service.show_case("els", d.code).text()  # the board sees no case itself


def test_figures_count_only_cases_opened_in_the_period(service, chat, clock):
    d = Dialog(service, chat)
    opened(d, ["psychisch"])
    assert "geopend: 0" in service.stats("mila", dt.date(2025, 1, 1), dt.date(2025, 12, 31)).text()


def test_meldcode_stats_prints_text_or_csv(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_KEYS", "MELDCODE_KEY_FILE")}
    env["MELDCODE_DATA_DIR"] = str(tmp_path / "data")

    def run(*a, **kw):
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *a],
            text=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            **kw,
        )

    assert run("console", input="/nieuw\n1\n1\n9\n/stop\n").returncode == 0
    year = dt.date.today().year
    text = run("stats", "--from", f"1-1-{year}", "--to", f"31-12-{year}")
    assert text.returncode == 0 and "geopend: <5" in text.stdout
    as_csv = run("stats", "--from", f"1-1-{year}", "--to", f"31-12-{year}", "--csv")
    assert as_csv.stdout.startswith("van,tot,groep,onderdeel,aantal")


def test_the_boards_home_shows_figures_and_staff_homes_show_cases(service, chat):
    d = Dialog(service, chat)
    opened(d, ["psychisch"])
    assert "Meldcode in cijfers" in service.home("els").text() and d.code not in service.home("els").text()
    assert d.code in service.home("sanne").text()


def test_c7_the_chart_draws_a_bar_per_figure_and_a_small_count_as_the_interval_1_to_4(service, chat, tmp_path):
    import struct

    from bot import stats as stats_mod
    from bot.charts import chart

    d = Dialog(service, chat)
    for _ in range(5):
        opened(d, ["lichamelijk"])
    opened(d, ["vgv"])
    with service.store.transaction() as s:
        figures = stats_mod.compute(s, org_id=1, flows=service.flows, start=YEAR[0], end=YEAR[1], now=service.clock())
    path = tmp_path / "cijfers.png"
    fig = chart(figures, path, "Meldcode in cijfers 2026")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1600 and height > 600  # 200 dpi: print resolution
    forms_axis = fig.axes[0]
    labels = [t.get_text() for t in forms_axis.get_yticklabels()]
    assert labels == ["Lichamelijk geweld", "Vrouwelijke genitale\nverminking (VGV)"]
    bars = [p for p in forms_axis.patches if p.get_gid().startswith("count")]
    assert [b.get_width() for b in bars] == [5] and bars[0].get_fill()
    (small,) = [p for p in forms_axis.patches if p.get_gid().startswith("small")]  # "<5": the range, no value
    assert not small.get_fill() and (small.get_x(), small.get_x() + small.get_width()) == (1, 4)
    assert "<5" in [t.get_text().strip() for t in forms_axis.texts]


def test_c7_the_chart_comes_as_png_bytes_for_the_af_and_never_for_staff(service):
    import datetime as dt

    reply = service.stats("mila", dt.date(2026, 1, 1), dt.date(2026, 12, 31), fmt="png")
    name, content = reply.messages[0].file
    assert name == "meldcode-cijfers-2026-01-01-2026-12-31.png" and content.startswith(b"\x89PNG")
    assert not service.stats("sanne", dt.date(2026, 1, 1), dt.date(2026, 12, 31), fmt="png").ok
