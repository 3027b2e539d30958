"""operate: the install an IT admin does. The lock files pin what pyproject.toml asks for (production: the bot
with PostgreSQL; development: with the test tools), and the wheel installs the `meldcode` command."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", text, re.M)}


def test_operate_the_lock_files_pin_every_requirement_within_its_range_with_hashes():
    runtime = [Requirement(r) for r in (*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["postgres"])]
    tests = [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]
    for lock, wanted in (("requirements.lock", runtime), ("requirements-dev.lock", runtime + tests)):
        pinned = pins(lock)
        for req in wanted:
            name = canonicalize_name(req.name)
            assert name in pinned, f"{lock} lacks {req.name}: run python3 dev.py lock"
            assert req.specifier.contains(pinned[name], prereleases=True), f"{lock}: {name}=={pinned[name]} not {req}"
        blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / lock).read_text())
        assert all("--hash=sha256:" in b for b in blocks if "==" in b.split("\n", 1)[0]), f"{lock}: a pin has no hash"
    production = pins("requirements.lock")
    assert "pytest" not in production and "selenium" not in production  # the production set has no test tools
    assert "psycopg" in production  # and can reach PostgreSQL


def test_operate_the_wheel_installs_the_meldcode_command_with_postgres_in_a_fresh_venv(tmp_path):
    wheels = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("meldcode_bot-*.whl")
    assert wheel.name.startswith(f"meldcode_bot-{PROJECT['version']}-")
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, "--require-hashes", "-r", str(ROOT / "requirements.lock")], check=True)
    subprocess.run([*install, "--no-deps", f"{wheel}"], check=True)
    version = subprocess.run([str(target / "bin" / "meldcode"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"meldcode {PROJECT['version']}"
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    probe = "import psycopg, bot.cli, flows.loader; print(len(flows.loader.load_all()))"
    assert (
        subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=tmp_path).stdout.strip() == "2"
    )
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: EUPL-1.2" in metadata and any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("migrations/versions/0017_year_counts.py") for n in names)  # the migrations ship too
    assert any(n.endswith("templates/shared/evaluation.html.j2") for n in names)
