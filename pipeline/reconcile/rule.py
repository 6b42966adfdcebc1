"""One rules.yaml entry as its kind's function sees it (a module of its own, below the
catalogue and the readings, which both name it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Spec = Mapping[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One rules.yaml entry as its kind's function sees it."""

    id: str
    kind: str
    scope: str
    spec: Spec
    tolerance: float
    # every entry of the catalogue by id, for a rule that reads another's spec
    entries: Mapping[str, Spec] = field(repr=False, compare=False)
