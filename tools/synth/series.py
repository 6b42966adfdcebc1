"""One agency's reports year after year: which template each year prints, figures that
follow from the year before (carried-over requests, article-20 stock), and whether and
where each report names its agency.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tools.synth.agencies import Entity
from tools.synth.breaks import prose_candidates
from tools.synth.catalogue import APPLICANTS, NEW_2019, NEW_2021, NEW_TEMPLATES, OLD_TABLE, PROSE
from tools.synth.counts import draw_count
from tools.synth.draft import Draft, make_statements
from tools.synth.new_template import Stock, art20_table, requests_table, review_table
from tools.synth.old_table import old_table_figures
from tools.synth.statements import prose_values

_AGENCY_MODES = {
    NEW_2019: ("title_prefix", "title_infix", "title_line", "signature"),
    NEW_2021: ("title_prefix", "title_infix", "title_line", "signature"),
    OLD_TABLE: ("title_prefix", "title_line", "signature", "form_field"),
    PROSE: ("title_prefix", "signature"),
}


def _template_for(year: int, entity: Entity) -> str:
    if year >= 2021:
        return NEW_2021
    if year >= 2019:
        return NEW_2019
    return OLD_TABLE if year >= entity.table_from else PROSE


def agency_drafts(rng: random.Random, entity: Entity, years: Sequence[int]) -> list[Draft]:
    """An agency's reports, oldest first, each year's figures following from the last."""
    drafts: list[Draft] = []
    carried: list[int] | None = None
    stock: Stock | None = None
    for year in years:
        template = _template_for(year, entity)
        scale = entity.scale * rng.lognormvariate(0.0, 0.25)
        draft = Draft(entity, year, template, rng.getrandbits(32), {}, {})
        if template in NEW_TEMPLATES:
            draft.table = requests_table(rng, scale, template, carried)
            draft.table.update(review_table(rng, scale))
            art20, stock = art20_table(rng, entity, template, stock)
            draft.table.update(art20)
            carried = [int(draft.table[("apply.carried_forward", d)] or 0) for d in APPLICANTS]
            full, part = (
                draw_count(rng.random, 0.8 + scale * 0.01),
                1 + draw_count(rng.random, 2 + scale * 0.05),
            )
            draft.values = {
                "staff.full_time": full,
                "staff.part_time": part,
                "staff.total": full + part,
                "meeting.sessions": draw_count(rng.random, 1.5),
                "training.attendees": draw_count(rng.random, 8 + scale * 0.2),
                "proactive.total": draw_count(rng.random, 150 + scale * 25),
            }
        else:
            carried = None
            if template == OLD_TABLE:
                draft.old_rows, draft.table = old_table_figures(
                    rng,
                    entity,
                    year,
                    head_values=entity.old_style != "national" or rng.random() < 0.3,
                )
            else:
                draft.values = prose_values(rng, entity)
        drafts.append(draft)
    return drafts


def present(rng: random.Random, draft: Draft) -> None:
    """Whether and where the report names its agency."""
    if rng.random() < draft.entity.names_itself:
        draft.agency = draft.entity.agency
        draft.agency_mode = rng.choice(_AGENCY_MODES[draft.template])


def with_parts(draft: Draft) -> bool:
    """Regenerate a prose-only report's sentences until one states parts of a total."""
    for _ in range(30):
        if prose_candidates(draft, table_only=False):
            return True
        draft.seed += 1
        make_statements(draft)
    return False
