"""The stages: raw directory → inventory → year partitions → reconciliation, incrementally.

Dagster assets (`pipeline/defs/<stage>/assets.py`) call these functions and nothing else; the
parsing itself is the pure functions of `pipeline.parse`. One module per stage:

- `inventory`: every raw file with its hash, encoding and report years; a file is read again
  only when its size or mtime changed, and segmented again only when its sha256 or the parser
  version changed;
- `years`: a year partition is rebuilt from the previous one: rows of unchanged files are kept,
  only changed files are parsed, and rows of removed files are dropped; with `force` (a
  backfill), or when the parser version changed, the whole year is parsed again;
- `reconciliation`: a year's rules are evaluated again when that year's or the year before's
  partition changed (cross-year rules read both).

Beside them: `columns` (a file's parse as plain columns, and the frames made of them),
`buffer` (those columns per year, spilled to Parquet chunks past a threshold) and `contracts`
(a frame's breaches of its Pandera contract, as messages).

Every table row read ends up in its year's tables or in quarantine, and every file in the
inventory has reports or quarantine rows.
"""
