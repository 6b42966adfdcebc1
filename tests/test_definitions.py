"""Tier 3: the Definitions load, with every stage's asset and check, as `dg dev` sees them.

The pipeline's own stages form a chain; the warehouse is one asset per dbt model (staging
models and marts), each with the columns and description of its schema file and its dbt tests
as checks, downstream of the stages that produce the tables it reads.
"""

from __future__ import annotations

import itertools

import dagster as dg

from pipeline import dbt
from pipeline.definitions import defs

STAGES = ["documents", "reports", "statistics", "reconciliation"]
CATALOGUES = {"metrics", "harmonised_metrics", "harmonised_sources"}


def _manifest_models() -> dict[str, dict[str, object]]:
    return {
        node["name"]: node
        for node in dbt.manifest()["nodes"].values()
        if node["resource_type"] == "model"
    }


def _manifest_tests() -> dict[str, set[str]]:
    """Model name → the names of its dbt tests (generic ones attached to it)."""
    found: dict[str, set[str]] = {}
    for node in dbt.manifest()["nodes"].values():
        attached = node.get("attached_node") or ""
        if node["resource_type"] == "test" and attached.startswith("model."):
            found.setdefault(attached.split(".")[-1], set()).add(node["name"])
    return found


def test_definitions_load_every_stage_and_every_dbt_model():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    models = set(_manifest_models())
    assert {"stg_statistics__figures", "mart_applications", "mart_report_rates"} <= models
    assert keys == {*STAGES, *models, *CATALOGUES, "report"}


def test_each_model_is_a_warehouse_asset_with_its_columns_description_and_checks():
    graph = defs.resolve_asset_graph()
    tests = _manifest_tests()
    for name, node in _manifest_models().items():
        key = dg.AssetKey(name)
        assert graph.get(key).group_name == "warehouse", name
        spec = next(s for s in defs.resolve_assets_def(key).specs if s.key == key)
        assert spec.description and spec.description.startswith("Grain:"), name
        schema = spec.metadata["dagster/column_schema"]
        documented = node["columns"]
        assert [c.name for c in schema.columns] == list(documented), name
        assert all(c.description and c.type for c in schema.columns), name
        checks = {k.name for k in graph.asset_check_keys if k.asset_key == key}
        assert checks >= tests.get(name, set()), name
        assert checks, f"{name} has no dbt test"


def test_every_check_blocks_except_a_report_breaking_its_own_arithmetic():
    graph = defs.resolve_asset_graph()
    checked = {key.asset_key.to_user_string() for key in graph.asset_check_keys}
    assert {*STAGES, "report", "mart_data_quality"} <= checked
    for check_key in graph.asset_check_keys:
        # a report breaking its own arithmetic is data: that check warns, never blocks
        expected = check_key.name != "reports_arithmetic"
        assert graph.get_check_spec(check_key).blocking == expected, check_key


def test_singular_dbt_tests_are_checks_of_the_model_they_name():
    graph = defs.resolve_asset_graph()
    names = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("mart_data_quality", "assert_every_report_has_a_quality_row") in names
    assert (
        "mart_review_litigation",
        "assert_review_litigation_keeps_printed_figures",
    ) in names


def test_stages_form_a_chain_down_to_every_mart_and_the_report():
    graph = defs.resolve_asset_graph()
    for upstream, downstream in itertools.pairwise(STAGES):
        assert dg.AssetKey(upstream) in graph.get(dg.AssetKey(downstream)).parent_keys
    marts = [dg.AssetKey(name) for name in _manifest_models() if name.startswith("mart_")]
    documents = dg.AssetKey("documents")
    for mart in marts:
        assert documents in graph.get_ancestor_asset_keys(mart), mart
    report_parents = graph.get(dg.AssetKey("report")).parent_keys
    assert set(marts) <= report_parents
    assert (
        dg.AssetKey("statistics") in graph.get(dg.AssetKey("stg_statistics__figures")).parent_keys
    )
    assert dg.AssetKey("reconciliation") in graph.get(dg.AssetKey("mart_data_quality")).parent_keys
    assert (
        dg.AssetKey("metrics") in graph.get(dg.AssetKey("stg_metrics__outcome_leaves")).parent_keys
    )


def test_every_asset_has_a_description_with_its_grain():
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        description = defs.resolve_assets_def(key).descriptions_by_key[key]
        assert description and "Grain" in description, key


def test_one_writer_builds_the_warehouse():
    assets_def = defs.resolve_assets_def(dg.AssetKey("mart_applications"))
    assert assets_def.can_subset
    assert {spec.key.to_user_string() for spec in assets_def.specs} == set(_manifest_models())
    assert isinstance(assets_def.node_def, dg.OpDefinition)
    assert assets_def.node_def.pool == "duckdb_writer"
