"""Developers' tools around the pipeline (synthetic corpus, benchmark, scorer); not shipped."""
