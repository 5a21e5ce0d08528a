"""CLI polish: `--version`, and a reader that stops early (`| head`) leaves the exit code alone."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_version_prints_the_installed_version(capsys):
    from icespec.cli import main

    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.strip() == f"icespec {version('icespec')}"


def test_a_closed_pipe_keeps_the_commands_exit_code(tmp_path: Path):
    templates = tmp_path / "templates"
    templates.mkdir()
    orders = (REPO / "table-templates" / "orders.yaml").read_text()
    for index in range(300):  # far more JSON than a pipe buffers, so writes continue after the close
        (templates / f"orders{index}.yaml").write_text(
            orders.replace("name: orders", f"name: orders{index}", 1)
        )
    env = {"PATH": "", "ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lh"), "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "icespec", "--templates", str(templates), "plan", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout.readline().strip() == b"{"
    process.stdout.close()  # like `| head -1`
    code = process.wait(timeout=300)
    errors = process.stderr.read().decode()
    assert code == 2, errors  # changes pending, as plan says without a pipe
    assert "BrokenPipe" not in errors and "Traceback" not in errors, errors
