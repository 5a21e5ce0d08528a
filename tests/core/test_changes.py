"""ChangeKind names every kind once, with its section, schema/breaking/governance flags and drift wording."""

from __future__ import annotations

import json

import pytest

from icespec.core.changes import SCHEMA_KINDS, Change, ChangeKind, TablePlan
from icespec.spec import parse_spec

SPEC = parse_spec("name: t\nnamespace: n\ncolumns:\n  - {name: a, type: long}\n", "t.yaml")


def test_every_kind_words_its_drift_without_leftover_placeholders():
    for kind in ChangeKind:
        values = {
            "order": ([], [{"column": "a", "direction": "asc", "null_order": "nulls_first"}]),
            "tags": ({}, {"pii": "true"}),
            "field": ({"type": "long"}, {"transform": "day", "column": "a"}),
        }
        before, after = values.get(kind.render, ("long", "string"))
        text = kind.describe_drift(Change(kind, "a", before, after, kind.always_breaking, "engine words"))
        assert text != "engine words" and not {"{path}", "{before}", "{after}", "{what}"} & set(
            text.split()
        ), kind
        assert "{" not in text, (kind, text)


def test_a_kind_compares_and_serializes_as_its_name():
    change = Change("add_column", "a", None, {"type": "long", "required": False}, False, "add column a")
    assert change.kind is ChangeKind.ADD_COLUMN and change.kind == "add_column"
    document = json.loads(json.dumps(TablePlan(SPEC, True, (change,)).to_dict()))
    assert document["changes"][0]["kind"] == "add_column"


def test_an_unknown_kind_or_a_breaking_kind_marked_safe_is_refused():
    with pytest.raises(ValueError, match="add_colum"):
        Change("add_colum", "a", None, None, False, "typo")
    with pytest.raises(ValueError, match="always breaking"):
        Change(ChangeKind.DROP_COLUMN, "a", "long", None, False, "drop a")


def test_flags_match_what_apply_and_drift_rely_on():
    assert {
        "add_column", "rename_column", "promote_type", "make_optional", "update_doc", "drop_column",
        "incompatible_type", "make_required", "set_identifier_fields",
    } == SCHEMA_KINDS  # fmt: skip
    assert {k for k in ChangeKind if k.always_breaking} == {
        "drop_column",
        "incompatible_type",
        "make_required",
        "incompatible_table_format",
    }
    assert {k for k in ChangeKind if k.governance} == {
        "set_column_tags",
        "remove_column_tags",
        "set_policy_tag",
    }
    assert (
        ChangeKind.SET_PROPERTY.section == "properties" and ChangeKind.ADD_SORT_FIELD.section == "sort_order"
    )


def test_bigquery_kinds_show_lists_as_words_not_python():
    clustering = Change("set_clustering", "", None, ["order_date", "status"], False, "cluster")
    assert (
        clustering.kind.describe_drift(clustering)
        == "clustering is none live, order_date, status in the template"
    )
    tags = Change("set_policy_tag", "card", [], ["projects/p/taxonomies/1/policyTags/2"], False, "tag")
    assert "are none live, projects/p/taxonomies/1/policyTags/2 in the template" in tags.kind.describe_drift(
        tags
    )
