"""One report in the making (`Draft`): its printed figures, how it presents itself, the
sentences that repeat its figures, and what it must fail. A metric that is not printed
counts as the sum of its printed children (`CHILDREN`, the catalogue's parent codes).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tools.synth.agencies import Entity
from tools.synth.catalogue import CHILDREN, NEW_TEMPLATES, PROSE, TOTAL
from tools.synth.old_form import OldRow
from tools.synth.statements import Statement, new_statements, old_statements


@dataclass(slots=True)
class Draft:
    """One report: its figures as printed, how it presents itself, and what it must fail."""

    entity: Entity
    year: int
    template: str
    seed: int  # seeds the report's own random choices (text, layout)
    table: dict[tuple[str, str], float | None]  # printed table figures; {} for prose
    values: dict[str, float]  # figures that only prose states
    old_rows: list[OldRow] = field(default_factory=list)
    agency: str | None = None  # the agency name the text gives, None when it gives none
    agency_mode: str | None = None
    source_file: str = ""
    ordinal: int = 0
    series: str = ""
    alteration: str | None = None
    table_altered: bool = False
    prose_shift: tuple[str, float] | None = None
    statements: list[tuple[str, Statement]] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    # expand() answers; cleared whenever a break changes the table
    expanded: dict[tuple[str, str], list[float | None] | None] = field(default_factory=dict)

    def expand(self, metric: str, dimension: str = TOTAL) -> list[float | None] | None:
        """A metric's printed figures: itself, else the sum of its printed sub-rows."""
        key = (metric, dimension)
        if key in self.expanded:
            return self.expanded[key]
        if key in self.table:
            found: list[float | None] | None = [self.table[key]]
        else:
            found = []
            for child in CHILDREN.get(metric, ()):
                part = self.expand(child, dimension)
                if part:
                    found.extend(part)
            found = found or None
        self.expanded[key] = found
        return found

    def stated(self, metric: str) -> float:
        """What the prose states for a metric: the printed (total) figure, or its own value."""
        printed = self.expand(metric)
        if printed is not None:
            value: float = sum(v or 0 for v in printed)
        else:
            value = self.values.get(metric, 0)
        if self.prose_shift and self.prose_shift[0] == metric:
            value += self.prose_shift[1]
        return value


def make_statements(draft: Draft) -> None:
    rng = random.Random(draft.seed * 7 + 1)
    if draft.template in NEW_TEMPLATES:
        draft.statements = new_statements(rng, draft.year, draft.entity, draft.stated)
    else:
        draft.statements = old_statements(
            rng, draft.year, draft.entity, draft.stated, draft.template == PROSE
        )
