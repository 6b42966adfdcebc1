# One entry file for every command. `make run` and `make test` are the two the README needs:
# each installs everything from the lock file first.
UV ?= uv
RAW_DIR ?= data/raw
WAREHOUSE_DIR ?= data/warehouse

.PHONY: setup run backfill test lint format dev daemon bench bench-real

# --compile-bytecode: the installed packages' bytecode is written once, at install. Without it
# a machine that sets PYTHONDONTWRITEBYTECODE (this one does) compiles every imported module
# from source in every process: importing the job took 16 s instead of 8, the parse workers'
# forkserver 3.2 s instead of 1.5, dbt 6.2 s instead of 3.6 (benchmarks/README.md, lesson 27).
setup:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	$(UV) sync --frozen --compile-bytecode

run: setup
	$(UV) run python -m pipeline run --raw-dir $(RAW_DIR) --warehouse-dir $(WAREHOUSE_DIR)

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy pipeline schemas tools

test: lint
	$(UV) run pytest -q

format: setup
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

backfill: setup
	$(UV) run python -m pipeline backfill --years $(YEARS) --raw-dir $(RAW_DIR) --warehouse-dir $(WAREHOUSE_DIR)

# The project's Dagster instance: run history, schedules and logs (git-ignored) beside
# deploy/dagster.yaml, unless DAGSTER_HOME is set. `python -m pipeline run` records there too.
DAGSTER_HOME ?= $(CURDIR)/deploy
DEV_PORT ?= 3000

# The UI, the nightly schedule and the raw-directory sensor: `dg dev` starts the webserver, the
# daemon and the code server of the code location `gov_info_reports` ([tool.dg.project]).
# Ctrl-C stops all of them.
dev: setup
	DAGSTER_HOME=$(DAGSTER_HOME) PIPELINE_RAW_DIR=$(RAW_DIR) PIPELINE_WAREHOUSE_DIR=$(WAREHOUSE_DIR) \
		$(UV) run dg dev --port $(DEV_PORT)

# Schedules and sensors without the UI (a server: run this under systemd or supervisord). dg has
# no daemon command; deploy/workspace.yaml names the code location as dg dev does.
daemon: setup
	DAGSTER_HOME=$(DAGSTER_HOME) PIPELINE_RAW_DIR=$(RAW_DIR) PIPELINE_WAREHOUSE_DIR=$(WAREHOUSE_DIR) \
		$(UV) run dagster-daemon run -w $(CURDIR)/deploy/workspace.yaml

# The benchmark: N synthetic reports through the whole pipeline; a row in benchmarks/results.csv.
N ?= 10000
bench: setup
	$(UV) run python -m tools bench --reports $(N)

# The same on real pages: the seeds and the real reports of tests/realworld/, copied to N reports.
REAL_PAGES = data/raw tests/realworld/labelled/raw tests/realworld/unlabelled
bench-real: setup
	$(UV) run python -m tools bench --reports $(N) $(addprefix --corpus ,$(REAL_PAGES))
