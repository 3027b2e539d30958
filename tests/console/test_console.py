"""The console as a user runs it: `meldcode console` with a scripted session piped in."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.config import demo_config_path
from tests.conftest import TEST_KEYS

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], tmp_path: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_CONFIG")}
    full_env = {**base, "MELDCODE_DATA_DIR": str(tmp_path / "data"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
    )


SESSION = """/nieuw
1
1
8
nee
1
Blauwe plek op de arm KANARIE
31-2-2026
/als af
2-3-2026
1
/als af

/als af
/zaken
/oppakken
2-3-2026
Zorgen besproken
1
/annuleer
/als sanne
/berichten
/verder
j
2-3-2026
1
2-3-2026
1,2
Plek besproken
Moeder schrok

2

/open
/als tom
/open MC-{year}-0001
/acuut
/stop
"""


def test_a_scripted_console_session_walks_steps_and_roles(tmp_path):
    import datetime as dt

    year = dt.date.today().year
    result = run(["console"], tmp_path, SESSION.replace("{year}", str(year)))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "demo-organisatie" in out
    assert f"Zaak MC-{year}-0001 is geopend" in out
    assert "Februari heeft geen 31e dag" in out  # bad date (31-2), asked again
    assert "Vastgelegd: 1 signaal." in out
    assert "✉ Bericht aan Mila Jansen (aandachtsfunctionaris)" not in out  # names only, roles apart
    assert "✉ Bericht aan Mila Jansen: Consultatieverzoek van Sanne de Vries" in out
    assert "Je zit midden in een vraag" in out  # a command is no answer
    assert "Je bent nu Mila Jansen" in out and "Consultatieverzoeken die wachten" in out
    assert "Je hebt de consultatie" in out
    assert "Berichten voor Sanne de Vries:" in out and "heeft je consultatieverzoek" in out
    assert "Uitkomst van de collegiale consultatie" in out
    assert "Vastgelegd: Uitkomst van de collegiale consultatie." in out
    assert "SISA" in out and "Op welke datum?" in out  # "j" is yes: the date is asked (it looped before)
    assert "— Stap 3: gesprek met de cliënt —" in out
    assert "Nu is de aandachtsfunctionaris aan zet (Mila Jansen)" in out
    assert "✉ Bericht aan Mila Jansen: Zaak MC-" in out and "klaar voor jou" in out
    assert "Signalen (1):" in out and "[feit/waarneming] Blauwe plek op de arm KANARIE" in out
    assert "Je bent nu Tom Peters" in out and "Geen toegang" in out
    assert "Bel nu 112" in out
    assert "Traceback" not in out + result.stderr
    assert "KANARIE" not in result.stderr  # typed text never reaches the log


def test_check_validates_config_and_flow(tmp_path):
    assert run(["check"], tmp_path).returncode == 1  # no database yet: a running bot needs one
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    ok = run(["check"], tmp_path)
    assert ok.returncode == 0 and "meldcode v1: 6 steps" in ok.stdout and "AF Mila Jansen" in ok.stdout
    bad = yaml.safe_load(demo_config_path().read_text())
    bad["people"][2]["af"] = False
    (tmp_path / "org.yaml").write_text(yaml.safe_dump(bad))
    fail = run(["check"], tmp_path, env={"MELDCODE_CONFIG": str(tmp_path / "org.yaml")})
    assert fail.returncode == 1 and "exactly one person must be the AF" in fail.stdout
    assert "organisation config  FAILED" in fail.stdout


def test_help_explains_each_command(tmp_path):
    out = run(["--help"], tmp_path).stdout
    for command in ("console", "db", "check"):
        assert command in out
    db = run(["db", "--help"], tmp_path).stdout
    assert "upgrade" in db


def test_db_upgrade_creates_the_schema(tmp_path):
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0 and (tmp_path / "data" / "meldcode.db").exists()


def test_a_server_database_that_is_not_migrated_is_refused_with_a_clear_message(tmp_path, postgres_url):
    env = {"DATABASE_URL": postgres_url, "MELDCODE_KEYS": TEST_KEYS}
    result = run(["console"], tmp_path, "/stop\n", env=env)
    assert result.returncode == 1 and "meldcode db upgrade" in result.stderr
    assert run(["db", "upgrade"], tmp_path, env=env).returncode == 0
    assert run(["console"], tmp_path, "/stop\n", env=env).returncode == 0


def test_a_server_database_without_an_encryption_key_is_refused(tmp_path, postgres_url):
    result = run(["console"], tmp_path, "/stop\n", env={"DATABASE_URL": postgres_url})
    assert result.returncode == 1 and "no encryption key" in result.stderr
    assert run(["db", "upgrade"], tmp_path, env={"DATABASE_URL": postgres_url}).returncode == 1


def test_moment_from_nieuw_to_the_afs_dm_in_eight_prompts(tmp_path):
    """moment: one fact, no siblings: scope, forms, age, siblings, kind, text, date, urgency (11 before)."""
    session = "/nieuw\n1\n1\n9\nnee\n1\nBlauwe plek op de arm\n\n2\n/stop\n"
    out = run(["console"], tmp_path, session).stdout
    before_dm = out[out.index("[Sanne de Vries] > /nieuw") : out.index("✉ Bericht aan Mila Jansen: Consultatieverzoek")]
    prompts = [line for line in before_dm.splitlines() if line.startswith("  ") and "> " in line]
    assert len(prompts) == 8, prompts


def test_dossier_the_console_writes_the_dossier_as_pdf_readable_by_its_owner_only(tmp_path):
    import stat

    session = (
        "/nieuw\n1\n1\n8\nnee\n1\nBlauwe plek\n\n3\n/export MC-2026-0001 pdf\n/export MC-2026-0001 summary\n/stop\n"
    )
    result = run(["console"], tmp_path, session, env={"MELDCODE_KEYS": TEST_KEYS})
    assert result.returncode == 0, result.stderr
    written = tmp_path / "data" / "exports" / "MC-2026-0001.pdf"
    assert str(written) in result.stdout and written.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700  # nobody else lists the codes in its names
    assert "nog geen gegevens voor Veilig Thuis" in result.stdout  # the summary comes with preparing the melding
    assert "Traceback" not in result.stdout + result.stderr
    assert "weasyprint" not in result.stdout + result.stderr  # no library chatter (nor the HTML it quotes)


def test_c7_the_console_writes_the_yearly_report_for_the_board_and_refuses_it_to_staff(tmp_path):
    import stat

    year = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).year  # the bot's year
    session = (
        "/nieuw\n1\n1\n8\nnee\n1\nBlauwe plek\n\n3\n"
        "/jaarverslag\n/als bestuur\n/jaarverslag volgend\n/jaarverslag\n/stop\n"
    )
    result = run(["console"], tmp_path, session, env={"MELDCODE_KEYS": TEST_KEYS})
    assert result.returncode == 0, result.stderr
    assert "De cijfers zijn voor de aandachtsfunctionaris en het bestuur." in result.stdout  # Sanne, staff
    assert "Welk jaar? Bijvoorbeeld /jaarverslag 2025." in result.stdout
    written = tmp_path / "data" / "exports" / f"meldcode-jaarevaluatie-{year}.pdf"
    assert f"De jaarevaluatie {year} staat in {written}" in result.stdout
    assert written.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert "Traceback" not in result.stdout + result.stderr and "weasyprint" not in result.stderr


def test_c7_meldcode_report_writes_the_yearly_report_and_says_what_is_wrong_in_one_line(tmp_path):
    year, keys = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).year, {"MELDCODE_KEYS": TEST_KEYS}
    run(["console"], tmp_path, "/nieuw\n1\n1\n8\nnee\n/stop\n", env=keys)
    made = run(["report", "--year", str(year), "--out", str(tmp_path / "r.pdf")], tmp_path, env=keys)
    assert made.returncode == 0 and "owner-only" in made.stdout and (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    html = run(["report", "--year", str(year), "--out", str(tmp_path / "r.html")], tmp_path, env=keys)
    assert html.returncode == 0 and "<svg" in (tmp_path / "r.html").read_text()
    for args, says in (
        (["--year", str(year), "--out", "r.docx"], "--out must end in .pdf or .html"),
        (["--year", str(year + 1), "--out", "r.pdf"], f"--year must be from 2000 to {year}"),
    ):
        wrong = run(["report", *args], tmp_path, env=keys)
        assert wrong.returncode == 2 and wrong.stderr.strip().startswith(says) and len(wrong.stderr.splitlines()) == 1


def test_operate_meldcode_version_says_the_installed_release():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = subprocess.run([sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == f"meldcode {declared}"
    assert f"## [{declared}]" in (ROOT / "CHANGELOG.md").read_text()  # each release has its changelog entry


def test_operate_the_licence_is_the_eupl_and_the_wheel_says_so():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "EUPL-1.2" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    for name in ("SECURITY.md", "CONTRIBUTING.md", "CHANGELOG.md"):
        assert (ROOT / name).stat().st_size > 500, name
