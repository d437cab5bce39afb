"""The package installs from a wheel like any other: templates, static files, migrations and
translations travel inside it, so a normal ``pip install`` works (not only an editable one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

PROBE = """
import factcheck, sys
from factcheck import create_app
app = create_app()
client = app.test_client()
login = client.get("/login")
css = client.get("/static/app.css")
hindi = client.get("/login", headers={"Accept-Language": "hi"})
print(factcheck.__file__)
print(login.status_code, css.status_code, "लॉग इन" in hindi.get_data(as_text=True))
"""


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_wheel_installs_initialises_and_serves(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "instance", "index", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FACTCHECK_", "PYTHON"))}
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-w", str(tmp_path / "dist"), str(source)], tmp_path, env)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("factcheck_workbench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("factcheck/templates/base.html", "factcheck/static/app.css",
                     "factcheck/migrations/env.py", "factcheck/translations/hi/LC_MESSAGES/messages.mo"):
        assert expected in names, expected
    assert any(name.startswith("factcheck/migrations/versions/") for name in names)

    site = tmp_path / "site"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
                     str(wheel)], tmp_path, env)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**env, "PYTHONPATH": str(site), "FACTCHECK_INSTANCE_DIR": str(tmp_path / "instance")}
    init = run([sys.executable, "-c", "from factcheck.cli import main; main()", "init-db"], elsewhere, env)
    assert init.returncode == 0, init.stderr
    assert "Database ready" in init.stdout
    probe = run([sys.executable, "-c", PROBE], elsewhere, env)
    assert probe.returncode == 0, probe.stderr
    module_file, statuses = probe.stdout.strip().splitlines()[-2:]
    assert module_file.startswith(str(site)), module_file
    assert statuses == "200 200 True"


def test_every_folder_of_the_package_is_declared():
    """Each folder under factcheck/ with files in it (templates, static, migrations, translations
    included) is a package of setup.cfg's: newer setuptools warn, once per folder, when package
    data lives in a folder the ``packages`` configuration does not name."""
    from setuptools.config.setupcfg import read_configuration

    cwd = Path.cwd()
    try:
        os.chdir(ROOT)  # find_namespace: looks from the current folder
        packages = set(read_configuration(ROOT / "setup.cfg")["options"]["packages"])
    finally:
        os.chdir(cwd)
    folders = {".".join(path.relative_to(ROOT).parts) for path in (ROOT / "factcheck").rglob("*")
               if path.is_dir() and path.name != "__pycache__" and any(p.is_file() for p in path.iterdir())}
    folders.add("factcheck")
    assert folders - packages == set()
    assert not [name for name in packages if "__pycache__" in name]
