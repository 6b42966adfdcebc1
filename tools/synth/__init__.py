"""A synthetic corpus of annual reports: realistic text whose figures reconcile by construction.

`generate_corpus(n, out_dir, seed)` writes n reports in the forms the seeds show (DOMAIN.md):
the old statistics table (2008-2018) in its layouts and provincial variants, reports that state
their figures only in prose, and the 2019 and 2021 versions of the new template, as scraped
text (one report per file, or one agency's site with many reports and its page chrome), some
GBK-encoded, some with full-width punctuation, some as HTML pages with merged cells.

Every figure is generated so that the reconciliation rules of `schemas/rules.yaml` hold,
across years too (上年结转 = last year's 结转下年度继续办理; 现行有效 stock), and prose repeats
table figures. A known share of reports is then broken on purpose by changing printed figures;
which rules each report must fail is computed from the generator's own model of the printed
figures (an independent implementation of the rules) and written to `manifest.json`, so a test
can check that the pipeline flags exactly those reports and no other.

Deterministic: the same seed and n give byte-identical files and manifest. Files are written one
at a time; only the manifest entries stay in memory.

The modules, in the order the data flows:

- `catalogue.py`: what is read from the pipeline's catalogue (which metrics sum into which,
  the rules modelled and their tolerance, the templates, table 3's columns);
- `plans.py`: `Parameters`, and each agency's share of the corpus (`Plan`);
- `vocabulary.py`, `agencies.py`: the words, and the agencies drawn with them;
- `counts.py`: random counts that split exactly; `printing.py`: how figures and text print;
- `series.py`: one agency's reports year after year, its figures drawn by
  `new_template.py` (tables 3, 4 and article 20), `old_form.py` + `old_table.py` (the old
  statistics table: its form, then its figures) and `statements.py` (figures in prose);
- `draft.py`: one report in the making; `breaks.py`: deliberate breaks;
  `expectations.py`: the rules on the generator's own figures (what each report must fail);
- `compose.py`: the report as blocks; `render_text.py`, `render_html.py`: as scraped text
  or as an HTML page;
- `manifest.py`: `ReportEntry`, `Manifest`, the totals; `corpus.py`: `generate_corpus`.
"""

from tools.synth.catalogue import CHILDREN, NEW_TEMPLATES, RULES, TEMPLATES
from tools.synth.corpus import generate_corpus
from tools.synth.manifest import Manifest, ReportEntry
from tools.synth.plans import Parameters

__all__ = [
    "CHILDREN",
    "NEW_TEMPLATES",
    "RULES",
    "TEMPLATES",
    "Manifest",
    "Parameters",
    "ReportEntry",
    "generate_corpus",
]
