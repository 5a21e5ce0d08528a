"""A plain, non-editable install works: the wheel ships the JSON Schema and py.typed, and the
installed command validates templates from outside the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_the_editor_schema_is_the_packaged_one():
    from icespec.spec import template_schema

    shipped = json.loads((REPO / "table-templates" / "_schema.json").read_text())
    assert shipped == template_schema(), "regenerate it: icespec schema > table-templates/_schema.json"


@pytest.mark.slow  # about two minutes: a fresh virtual environment with every dependency
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = wheels.glob("icespec-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-c", str(REPO / "constraints.txt"), str(wheel)],
        check=True, capture_output=True, timeout=1200,
    )  # fmt: skip
    project = tmp_path / "project"
    shutil.copytree(REPO / "table-templates", project / "table-templates")
    icespec = str(venv / "bin" / "icespec")
    version = subprocess.run([icespec, "--version"], cwd=project, capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("icespec "), version.stderr
    validated = subprocess.run(
        [icespec, "validate"], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert validated.returncode == 0, validated.stderr
    count = len(list((REPO / "table-templates").glob("*.yaml")))
    assert f"{count} template(s) valid" in validated.stdout
    files = subprocess.run(
        [str(python), "-c", "import icespec, pathlib; p = pathlib.Path(icespec.__file__).parent; "
         "print((p / 'spec' / 'template_schema.json').is_file(), (p / 'py.typed').is_file(), p)"],
        cwd=project, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    shipped, typed, where = files.stdout.split()
    assert (shipped, typed) == ("True", "True") and str(REPO) not in where
