"""What the generator takes from the pipeline's catalogue, read, never copied.

- `CHILDREN`: which metrics sum into which, from the `parent` codes of `schemas/metrics.yaml`
  (`pipeline.catalogue.metrics`): a metric added there with a `parent` is a term of its
  parent's sum in the generator's own model of the rules with no edit here;
- `RULES`: the rules of `schemas/rules.yaml` (`pipeline.reconcile.load_rules`) whose failures
  the generator predicts, in the catalogue's order, and their tolerance. The generator models
  a chosen subset (not the inspectors' rules): `MODELLED_KINDS` names each rule it models with
  the kind it models it as, and loading this module fails, naming the rule, when the catalogue
  has no rule of that id and kind (a renamed rule fails the tests instead of drifting);
- the templates (`pipeline.model.TEMPLATES`, `pipeline.extract.NEW_TEMPLATES`), checked the
  same way, and table 3's columns (`pipeline.model.DIMENSIONS`).
"""

from __future__ import annotations

from pipeline.catalogue import metrics
from pipeline.extract import NEW_TEMPLATES
from pipeline.model import DIMENSIONS, TEMPLATES
from pipeline.reconcile import load_rules

__all__ = [
    "APPLICANTS",
    "CARRY_OVER",
    "CHILDREN",
    "DIMENSIONS",
    "MODELLED_KINDS",
    "NEW_2019",
    "NEW_2021",
    "NEW_TEMPLATES",
    "OLD_PARENT",
    "OLD_TABLE",
    "PROSE",
    "PROSE_PARTS",
    "PROSE_TABLE",
    "R1",
    "R2",
    "R3",
    "REVIEW_TOTAL",
    "RULES",
    "STOCK",
    "TEMPLATES",
    "TOLERANCE",
    "TOTAL",
]


def children_by_parent() -> dict[str, tuple[str, ...]]:
    """Every parent metric of the catalogue with its children, both in catalogue order."""
    found: dict[str, list[str]] = {}
    for metric in metrics().values():
        if metric.parent is not None:
            found.setdefault(metric.parent, []).append(metric.code)
    return {parent: tuple(children) for parent, children in found.items()}


CHILDREN = children_by_parent()

# The rules whose failures the generator computes from its own figures, with the kind each is
# modelled as (`expectations.py`); the ids are the catalogue's.
R1 = "requests.r1_balance"
R2 = "requests.r2_outcomes"
R3 = "requests.r3_row_total"
REVIEW_TOTAL = "review_litigation.group_total"
OLD_PARENT = "old_table.parent_sum"
PROSE_PARTS = "prose.parts_sum"
PROSE_TABLE = "prose.equals_table"
CARRY_OVER = "cross_year.carry_over"
STOCK = "cross_year.stock"
MODELLED_KINDS = {
    R1: "balance",
    R2: "parent_sum",
    R3: "row_total",
    REVIEW_TOTAL: "parent_sum",
    OLD_PARENT: "parent_sum",
    PROSE_PARTS: "prose_parts",
    PROSE_TABLE: "prose_table",
    CARRY_OVER: "carry_over",
    STOCK: "stock",
}


def modelled_rules() -> tuple[str, ...]:
    """The catalogue's rules the generator models, in catalogue order; a LookupError names
    every modelled rule the catalogue lacks or gives another kind."""
    catalogue = load_rules()
    kinds = {rule.id: rule.kind for rule in catalogue.rules}
    missing = [
        f"{rule_id} (kind {kind})"
        for rule_id, kind in MODELLED_KINDS.items()
        if kinds.get(rule_id) != kind
    ]
    if missing:
        raise LookupError(
            f"tools.synth models rules that {catalogue.path} does not define: "
            f"{', '.join(missing)}; update tools/synth/catalogue.py and expectations.py"
        )
    return tuple(rule.id for rule in catalogue.rules if rule.id in MODELLED_KINDS)


RULES = modelled_rules()
TOLERANCE = load_rules().tolerance


def template(name: str) -> str:
    """A template name the generator writes, checked against the pipeline's templates."""
    if name not in TEMPLATES:
        raise LookupError(f"tools.synth writes template {name!r}, not in {TEMPLATES}")
    return name


OLD_TABLE = template("old_table")
NEW_2019 = template("new_2019")
NEW_2021 = template("new_2021")
PROSE = template("prose")

# Table 3's columns: the applicant columns, then 总计.
TOTAL = "total"
if DIMENSIONS[-1] != TOTAL:
    raise LookupError(f"tools.synth expects {TOTAL!r} last in {DIMENSIONS}")
APPLICANTS = DIMENSIONS[:-1]
