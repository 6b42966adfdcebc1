# One entry file for every command. `make run` and `make test` are the two the README needs:
# each installs everything from the lock file first.
UV ?= uv
RAW_DIR ?= data/raw
WAREHOUSE_DIR ?= data/warehouse

.PHONY: setup run test lint format dev

setup:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	$(UV) sync --frozen

run: setup
	$(UV) run python -m pipeline run --raw-dir $(RAW_DIR) --warehouse-dir $(WAREHOUSE_DIR)

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy pipeline schemas

test: lint
	$(UV) run pytest -q

format: setup
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

dev: setup
	$(UV) run dagster dev -m pipeline.definitions
