"""The template corpus: every malformed template is rejected with its expected message and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from icespec.schema import inspect_document
from icespec.spec import SpecError, load_spec, read_template

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))
VALID = sorted(p for p in (CORPUS / "valid").iterdir() if p.suffix in (".yaml", ".yml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def expectations(path: Path) -> list[tuple[int, str]]:
    found = [EXPECT.match(line) for line in path.read_text().splitlines()]
    return [(int(m.group(1)), m.group(2)) for m in found if m]


def test_the_corpus_is_large_enough():
    assert len(INVALID) >= 40
    assert all(expectations(p) for p in INVALID), "every malformed template states what it expects"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_malformed_template_is_rejected_with_message_and_line(path: Path):
    spec, problems = read_template(path)
    assert spec is None
    expected = expectations(path)
    for line, message in expected:
        matching = [d for d in problems if message in d.message]
        assert matching, f"no problem says {message!r}; got {[str(d) for d in problems]}"
        assert matching[0].line == line, str(matching[0])
    assert len(problems) == len(expected), [str(d) for d in problems]
    for problem in problems:
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: error: ")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_corpus_template_loads_and_builds(path: Path):
    spec = load_spec(path)
    document = inspect_document(spec)
    assert document["spec"]["name"] == path.stem


def test_load_spec_raises_with_every_problem_listed():
    with pytest.raises(SpecError) as caught:
        load_spec(CORPUS / "invalid" / "misspelt_columns_key.yaml")
    assert len(caught.value.diagnostics) == 2
    assert "did you mean 'columns'" in str(caught.value)
