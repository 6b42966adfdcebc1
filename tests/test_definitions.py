"""Tier 3: the Definitions load, with every stage's asset and check, as `dagster dev` sees them."""

from __future__ import annotations

import itertools

import dagster as dg

from pipeline.definitions import defs

STAGES = ["documents", "reports", "statistics", "reconciliation", "warehouse", "report"]


def test_definitions_load_every_stage():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == set(STAGES)


def test_every_stage_has_a_blocking_contract_check():
    graph = defs.resolve_asset_graph()
    checked = {key.asset_key.to_user_string() for key in graph.asset_check_keys}
    assert checked == set(STAGES)
    for check_key in graph.asset_check_keys:
        # a report breaking its own arithmetic is data: that check warns, never blocks
        expected = check_key.name != "reports_arithmetic"
        assert graph.get_check_spec(check_key).blocking == expected, check_key


def test_stages_form_a_chain():
    graph = defs.resolve_asset_graph()
    for upstream, downstream in itertools.pairwise(STAGES):
        parents = graph.get(dg.AssetKey(downstream)).parent_keys
        assert dg.AssetKey(upstream) in parents
    assert dg.AssetKey("statistics") in graph.get(dg.AssetKey("warehouse")).parent_keys


def test_every_asset_has_a_docstring_description():
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        description = defs.resolve_assets_def(key).descriptions_by_key[key]
        assert description and "Grain" in description, key
