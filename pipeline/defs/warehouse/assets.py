"""Stage 4: the DuckDB warehouse, built by the dbt project in `sql/`.

Every dbt model (staging models and marts) is its own asset, with the columns, descriptions and
lineage of the project's schema files, and every dbt test of a model is an asset check on it.
The base tables the models read (dbt sources) map onto the assets that produce them: `reports`
and `statistics` (the year partitions), `reconciliation`, `documents` (the inventory's
quarantine), and the three catalogue tables of `schemas/`, declared here.

All models are built by one step, `publish_warehouse`: into a temporary DuckDB file renamed
into place (readers never see half a warehouse), one writer at a time (the `duckdb_writer`
pool and a lock file), rebuilt only when an input changed. Selecting some models in the UI
rebuilds just those (and runs their tests) in a copy of the current warehouse.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from pipeline.dbt import DbtBuildFailed, NodeResult, import_in_background, prepared_project
from pipeline.defs.partitions import FORCE_TAG, MODE_TAG
from pipeline.defs.resources import PipelineStorage
from pipeline.pool import stop_worker_server
from pipeline.publish import PublishResult, publish_warehouse

# Every writer of warehouse.duckdb runs in this pool; its limit is 1 (see dagster.yaml), and a
# lock file serialises publishers that do not share a Dagster instance.
DUCKDB_POOL = "duckdb_writer"
GROUP = "warehouse"

PROJECT = prepared_project()
# The warehouse step of a run in this process finds dbt imported (see import_in_background).
import_in_background()


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt's defaults (asset key = model name, description and columns from the schema files),
    with every model in the `warehouse` group and every test a blocking check: a failed test
    keeps the previous warehouse, and nothing downstream (the quality report) runs on it."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return GROUP

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        node = manifest["nodes"][unique_id]
        return spec._replace(blocking=True, description=spec.description or test_description(node))


def test_description(node: Mapping[str, Any]) -> str:
    """What a dbt test asserts, in words, when its schema file gives no description."""
    metadata = node.get("test_metadata") or {}
    kind = metadata.get("name")
    if not kind:
        return f"dbt singular test `{node['original_file_path']}`: it returns the rows breaking it."
    kwargs = metadata.get("kwargs") or {}
    column = node.get("column_name")
    where = f" of column `{column}`" if column else ""
    detail = ""
    if kind == "accepted_values":
        detail = ": one of " + ", ".join(f"`{value}`" for value in kwargs.get("values", []))
    elif kind == "relationships":
        detail = f": every value is in {kwargs.get('to', '')}.{kwargs.get('field', '')}"
    elif kind == "unique_combination":
        detail = ": one row per " + ", ".join(f"`{c}`" for c in kwargs.get("columns", []))
    return f"dbt test `{kind}`{where}{detail}."


TRANSLATOR = WarehouseTranslator(DagsterDbtTranslatorSettings(enable_code_references=False))


def catalogue_spec(key: str, description: str, grain: str, source: str) -> dg.AssetSpec:
    """A table the warehouse loads from a catalogue in `schemas/` (not built by any run)."""
    return dg.AssetSpec(
        key,
        description=(
            f"{description}\n\nGrain: {grain}. Loaded from `{source}` by every warehouse build."
        ),
        group_name="catalogues",
        kinds={"yaml"},
        metadata={"source": source},
    )


catalogues = [
    catalogue_spec(
        "metrics",
        "The metric catalogue: every metric code with its Chinese label and English name.",
        "one row per metric code",
        "schemas/metrics.yaml",
    ),
    catalogue_spec(
        "harmonised_metrics",
        "The harmonised metrics: figures comparable across the 2019 template change.",
        "one row per harmonised metric",
        "schemas/harmonised.yaml",
    ),
    catalogue_spec(
        "harmonised_sources",
        "Where each harmonised figure comes from, in priority order.",
        "one row per harmonised metric and source",
        "schemas/harmonised.yaml",
    ),
]


@dbt_assets(
    manifest=PROJECT.manifest_path,
    project=PROJECT,
    name="warehouse",
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_POOL,
)
def warehouse(
    context: dg.AssetExecutionContext, storage: PipelineStorage
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Load the base tables and `dbt build` the models and their tests into warehouse.duckdb."""
    selection: tuple[str, ...] = ()
    if context.is_subset:
        selection = selected_nodes(context.selected_asset_keys, context.selected_asset_check_keys)
    tags = context.run.tags
    models = {key.path[-1]: key for key in context.selected_asset_keys}
    checks = {key.name: key for key in context.selected_asset_check_keys}
    # No worker process from here on: the earlier steps' forkserver would sit idle beside
    # DuckDB through the whole build.
    stop_worker_server()
    try:
        result = publish_warehouse(
            storage.layout,
            context.run.run_id,
            mode=tags.get(MODE_TAG, "dagster"),
            force=tags.get(FORCE_TAG, "").lower() == "true",
            select=selection,
        )
    except DbtBuildFailed as failure:
        # The previous warehouse stays in place; the UI shows which tests failed, and why.
        yield from check_results(failure.nodes, checks, rebuilt=False)
        raise
    if selection:
        done = "rebuilt: " + " ".join(sorted(models))
    else:
        done = "rebuilt" if result.rebuilt else "unchanged (runs refreshed)"
    context.log.info("warehouse %s at %s", done, storage.layout.database)
    yield from node_events(result, models, checks, str(storage.layout.database))


def selected_nodes(
    assets: frozenset[dg.AssetKey] | set[dg.AssetKey],
    checks: frozenset[dg.AssetCheckKey] | set[dg.AssetCheckKey],
) -> tuple[str, ...]:
    """dbt's `--select` for the chosen assets (model names) and checks (test names)."""
    return tuple(sorted({key.path[-1] for key in assets} | {key.name for key in checks}))


def node_events(
    result: PublishResult,
    models: Mapping[str, dg.AssetKey],
    checks: Mapping[str, dg.AssetCheckKey],
    database: str,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """A materialisation for each selected model and a check result for each selected test.

    When the warehouse was not rebuilt, the tests' results are those of the build that made
    the current tables (kept in the warehouse manifest), since the tables are the same.
    """
    by_name = {node.name: node for node in result.nodes if node.resource_type == "model"}
    # dbt lists its nodes in the order it built them, upstream first, as Dagster requires.
    order = {name: position for position, name in enumerate(by_name)}
    for name in sorted(models, key=lambda name: (order.get(name, len(order)), name)):
        node = by_name.get(name)
        yield dg.MaterializeResult(
            asset_key=models[name],
            metadata={
                "dagster/row_count": result.counts.get(name, 0),
                "path": database,
                "rebuilt": result.rebuilt,
                "dbt_status": node.status if node else "not run",
                "dbt_seconds": round(node.seconds, 3) if node else 0.0,
            },
        )
    yield from check_results(result.nodes, checks, rebuilt=result.rebuilt)


def check_results(
    nodes: Sequence[NodeResult], checks: Mapping[str, dg.AssetCheckKey], *, rebuilt: bool
) -> Iterator[dg.AssetCheckResult]:
    """The result of each selected check that dbt ran as a test (a failed build reports only
    the tests it ran, not those it skipped after a failure upstream)."""
    by_name = {
        node.name: node
        for node in nodes
        if node.resource_type == "test" and node.status != "skipped"  # skipped: never ran
    }
    for name, check in checks.items():
        node = by_name.get(name)
        if node is None:
            continue
        yield dg.AssetCheckResult(
            asset_key=check.asset_key,
            check_name=name,
            passed=node.ok,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "dbt_status": node.status,
                "failures": node.failures or 0,
                "message": node.message or "",
                "rebuilt": rebuilt,
            },
        )
