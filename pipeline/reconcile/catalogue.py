"""The rule catalogue (`schemas/rules.yaml`) and the registry of rule kinds.

Every entry of rules.yaml names a `kind`; the function registered for that kind receives the
entry (its spec) and evaluates it. A new rule of an existing kind is a YAML entry only. An
entry whose kind is not registered, or whose scope is not its kind's, fails at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipeline.catalogue import SCHEMAS_DIR
from pipeline.reconcile.rule import Rule, Spec

if TYPE_CHECKING:
    import polars as pl

    from pipeline.reconcile.figures import Figures
    from pipeline.reconcile.readings import ReportReadings, RuleResult

RULES_PATH = SCHEMAS_DIR / "rules.yaml"
SCOPES = ("report", "agency_years")


ReportCheck = Callable[["Rule", "ReportReadings"], "list[RuleResult]"]
PairCheck = Callable[["Rule", "ReportReadings", "ReportReadings"], "list[RuleResult]"]
# A kind's column-wise evaluation over the frames of many reports (`figures.Figures`): the
# results it settles, as a frame, and the report ids whose results for the rule it leaves to
# `check` (for a kind across years, the ids of the later report of each pair).
FrameCheck = Callable[["Rule", "Figures"], "tuple[pl.DataFrame, set[str]]"]


@dataclass(frozen=True, slots=True)
class Kind:
    """What a rule kind is: its scope, its evaluation, and what its specs name."""

    name: str
    scope: str
    check: ReportCheck | PairCheck
    # subjects of its results that are not metric codes (for the frame contract)
    subjects: Callable[[Spec], Iterable[str]] | None = None
    # metrics it reads from the report of the year before
    earlier_metrics: Callable[[Spec], Iterable[str]] | None = None
    frame_check: FrameCheck | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Register a rule kind (once per name)."""
    if kind.scope not in SCOPES:
        raise ValueError(f"kind {kind.name}: unknown scope {kind.scope!r}")
    if kind.name in KINDS:
        raise ValueError(f"kind {kind.name} is registered twice")
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True, slots=True, eq=False)
class RuleCatalogue:
    """The rules of one rules.yaml, in file order, each checked against the registry."""

    path: Path
    tolerance: float
    rules: tuple[Rule, ...]

    def by_id(self) -> dict[str, dict[str, Any]]:
        """The YAML entries by rule id."""
        return {rule.id: dict(rule.spec) for rule in self.rules}

    def of_scope(self, scope: str) -> tuple[Rule, ...]:
        """The rules of one scope, in file order."""
        return tuple(rule for rule in self.rules if rule.scope == scope)

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        """The rules of one kind, in file order."""
        return tuple(rule for rule in self.rules if rule.kind == kind)


@cache
def load_rules(path: Path = RULES_PATH) -> RuleCatalogue:
    """Read and check a rules file: every id unique, every kind registered, every scope its
    kind's. Raises ValueError naming the rule otherwise."""
    # The kinds registered themselves when the package was imported, which Python does before
    # it runs this module.
    with Path(path).open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    entries: dict[str, Spec] = {}
    for entry in document["rules"]:
        rule_id = entry.get("id")
        if not rule_id:
            raise ValueError(f"{path}: a rule without an id: {entry!r}")
        if rule_id in entries:
            raise ValueError(f"{path}: rule {rule_id} is listed twice")
        entries[rule_id] = entry
    tolerance = float(document["tolerance"])
    built = []
    for rule_id, entry in entries.items():
        kind = KINDS.get(str(entry.get("kind")))
        if kind is None:
            raise ValueError(
                f"{path}: rule {rule_id} has unknown kind {entry.get('kind')!r}; "
                f"known kinds: {', '.join(sorted(KINDS))}"
            )
        if entry.get("scope") != kind.scope:
            raise ValueError(
                f"{path}: rule {rule_id} has scope {entry.get('scope')!r}, "
                f"but kind {kind.name} is evaluated with scope {kind.scope!r}"
            )
        built.append(Rule(rule_id, kind.name, kind.scope, entry, tolerance, entries))
    return RuleCatalogue(Path(path), tolerance, tuple(built))


@cache
def rules() -> dict[str, dict[str, Any]]:
    """The rule catalogue by id (the YAML entries of schemas/rules.yaml)."""
    return load_rules().by_id()


def inspection_subjects(catalogue: RuleCatalogue | None = None) -> frozenset[str]:
    """Subjects of rule results that are not metric codes (the publication date, the
    article-50 contents, the tables, the groups the copied-figures rule compares)."""
    return _subjects(catalogue or load_rules())


@cache
def _subjects(catalogue: RuleCatalogue) -> frozenset[str]:
    found: set[str] = set()
    for rule in catalogue.rules:
        subjects = KINDS[rule.kind].subjects
        if subjects is not None:
            found.update(subjects(rule.spec))
    return frozenset(found)


def earlier_year_metrics(catalogue: RuleCatalogue | None = None) -> frozenset[str]:
    """The metrics the cross-year rules read from the year before; nothing else is needed."""
    return _earlier(catalogue or load_rules())


@cache
def _earlier(catalogue: RuleCatalogue) -> frozenset[str]:
    found: set[str] = set()
    for rule in catalogue.rules:
        earlier = KINDS[rule.kind].earlier_metrics
        if earlier is not None:
            found.update(earlier(rule.spec))
    return frozenset(found)
