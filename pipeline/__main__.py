"""`python -m pipeline …`: see pipeline/cli.py."""

import sys

from pipeline.allocator import prepare_environment

prepare_environment()  # before anything imports Polars (pipeline/allocator.py)

from pipeline.cli import main  # noqa: E402

sys.exit(main())
