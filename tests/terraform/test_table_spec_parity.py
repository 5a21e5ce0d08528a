"""Terraform's table_spec module and icespec.spec normalize every template to the same JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from icespec.spec import load_spec
from icespec.spec import properties as spec_properties
from tests.terraform.tfrun import REPO_ROOT, TERRAFORM_DIR, Terraform

pytestmark = pytest.mark.terraform

TEMPLATE_DIRS = {
    "examples": REPO_ROOT / "table-templates",
    "corpus": REPO_ROOT / "tests" / "corpus" / "valid",
    # maintenance: sections (engine glue, compact false, orphan ages, a padded schedule), kept out of
    # the two folders above: the moto end-to-end apply would call Glue's optimizer API moto lacks.
    "glue_maintenance": TERRAFORM_DIR / "aws" / "tests" / "fixtures" / "glue_maintenance",
    "maintenance": TERRAFORM_DIR / "modules" / "table_spec" / "tests" / "fixtures" / "maintenance",
}


def _templates(folder: Path) -> list[Path]:
    return (
        sorted(
            p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(("_", "."))
        )
        if folder.is_dir()
        else []
    )


CASES = [(group, path) for group, folder in TEMPLATE_DIRS.items() for path in _templates(folder)]


def _decode(work: Path, templates: Path) -> dict[str, dict]:
    """`tables` output of table_spec, applied without providers on the folder `templates`."""
    root = work / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        f'module "table_spec" {{\n  source        = "{TERRAFORM_DIR / "modules" / "table_spec"}"\n'
        f'  templates_dir = "{templates}"\n}}\n'
        'output "tables" {\n  value = module.table_spec.tables\n}\n'
    )
    terraform = Terraform(root, work / "scratch")
    terraform.init(with_providers=False)
    terraform.run("apply", "-auto-approve", "-input=false")
    return terraform.outputs()["tables"]


@pytest.fixture(scope="module")
def terraform_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """`tables` output of table_spec on a copy of each template folder."""
    decoded: dict[str, dict] = {}
    for group, folder in TEMPLATE_DIRS.items():
        if not _templates(folder):
            continue
        work = tmp_path_factory.mktemp(f"parity-{group}")
        templates = work / "templates"
        shutil.copytree(folder, templates)
        decoded[group] = _decode(work, templates)
    return decoded


def test_terraform_and_python_read_the_same_subfolders(tmp_path: Path) -> None:
    """One folder per namespace, and a _drafts/ folder neither reads."""
    from icespec.spec import validate_paths

    templates = tmp_path / "templates"
    for path in _templates(TEMPLATE_DIRS["examples"]):
        folder = templates / load_spec(path).namespace
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder)
    (templates / "_drafts").mkdir()
    (templates / "_drafts" / "draft.yaml").write_text("not: a template\n")
    specs, problems = validate_paths([templates])
    assert problems == [] and len(specs) == len(_templates(TEMPLATE_DIRS["examples"]))
    decoded = _decode(tmp_path, templates)
    assert decoded == {s.name: json.loads(json.dumps(s.to_dict())) for s in specs}


def test_examples_exist() -> None:
    assert _templates(TEMPLATE_DIRS["examples"]), "table-templates/ holds no example template"


@pytest.mark.parametrize(("group", "path"), CASES, ids=[f"{g}/{p.stem}" for g, p in CASES])
def test_terraform_normalizes_like_python(group: str, path: Path, terraform_tables: dict[str, dict]) -> None:
    expected = json.loads(json.dumps(load_spec(path).to_dict()))
    assert terraform_tables[group][path.stem] == expected


def test_terraform_reads_exactly_the_templates_python_reads(terraform_tables: dict[str, dict]) -> None:
    for group, folder in TEMPLATE_DIRS.items():
        if _templates(folder):
            assert sorted(terraform_tables[group]) == [p.stem for p in _templates(folder)]


def test_property_catalog_matches_python() -> None:
    """terraform/modules/table_spec/property_aliases.json is icespec.spec.properties, as JSON."""
    catalog = json.loads((TERRAFORM_DIR / "modules" / "table_spec" / "property_aliases.json").read_text())
    assert catalog["aliases"] == spec_properties.PROPERTY_ALIASES
    assert sorted(catalog["known"]) == sorted(spec_properties.KNOWN_PROPERTIES)
    assert catalog["known_prefixes"] == list(spec_properties.KNOWN_PREFIXES)
    assert catalog["reserved_prefixes"] == list(spec_properties.RESERVED_PREFIXES)
