"""A project root like git's: commands work from any subfolder, read templates in subfolders, and the
commands that only look (validate, inspect, plan, drift, checks, check) leave no state behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from icespec.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project: table-templates/ with one folder per namespace, and a deep working folder."""
    for name in ("orders", "event_stream"):
        source = REPO / "table-templates" / f"{name}.yaml"
        namespace = "sales" if name == "orders" else "lakehouse"
        folder = tmp_path / "table-templates" / namespace
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder)
    (tmp_path / "table-templates" / "_drafts").mkdir()
    (tmp_path / "table-templates" / "_drafts" / "wip.yaml").write_text("broken: [")
    work = tmp_path / "src" / "jobs"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for variable in (
        "ICESPEC_TEMPLATES",
        "ICESPEC_LAKEHOUSE_DIR",
        "ICESPEC_BACKEND",
        "ICESPEC_CATALOG_URI",
        "ICESPEC_WAREHOUSE",
    ):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def test_commands_find_the_project_from_a_subfolder_and_read_its_subfolders(project: Path, capsys):
    assert main(["validate"]) == 0
    assert "2 template(s) valid" in capsys.readouterr().out
    assert main(["plan"]) == 2
    out = capsys.readouterr().out
    assert "create table sales.orders" in out and "create table lakehouse.event_stream" in out
    assert main(["inspect", "orders"]) == 0
    assert str(project / "table-templates" / "sales" / "orders.yaml") in capsys.readouterr().out


def test_commands_that_only_look_create_nothing(project: Path, capsys):
    for command in (
        ["validate"],
        ["inspect", "orders"],
        ["plan"],
        ["drift"],
        ["checks", "orders"],
        ["check"],
    ):
        main(command)
    capsys.readouterr()
    assert not (project / ".lakehouse").exists() and not (project / "src" / "jobs" / ".lakehouse").exists()
    assert main(["apply"]) == 0
    assert (project / ".lakehouse" / "catalog.db").is_file()  # the lakehouse lives at the project root
    assert main(["plan"]) == 0


def test_a_pyproject_can_name_the_templates_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.icespec]\ntemplates = "specs"\n')
    (tmp_path / "specs").mkdir()
    shutil.copy(REPO / "table-templates" / "orders.yaml", tmp_path / "specs")
    (tmp_path / "deep").mkdir()
    monkeypatch.chdir(tmp_path / "deep")
    monkeypatch.delenv("ICESPEC_TEMPLATES", raising=False)
    assert main(["validate"]) == 0
    assert "1 template(s) valid" in capsys.readouterr().out


def test_outside_a_project_the_error_says_where_it_looked(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ICESPEC_TEMPLATES", raising=False)
    assert main(["plan"]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "--templates DIR" in err and "[tool.icespec]" in err


def test_a_missing_path_is_named_absolutely_without_a_made_up_line(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--templates", "nowhere", "validate"]) == 1
    err = capsys.readouterr().err
    assert f"no templates folder at {tmp_path / 'nowhere'}" in err and ":1:1:" not in err
    assert main(["validate", "missing.yaml"]) == 1
    assert f"{tmp_path / 'missing.yaml'}: error: no such file or folder" in capsys.readouterr().err


def test_template_names_are_unique_across_subfolders(project: Path, capsys):
    orders = (
        (REPO / "table-templates" / "orders.yaml")
        .read_text()
        .replace("namespace: sales", "namespace: lakehouse")
    )
    (project / "table-templates" / "lakehouse" / "orders.yaml").write_text(
        orders
    )  # another table, same file name
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "another template is also named orders.yaml" in err
