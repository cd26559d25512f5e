# Two commands for a newcomer: `make run` (the whole service, locally) and `make test`.
# Each creates the virtual environment it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean publish-web mutation

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[backend,local,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m ytsb_local

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# In-process benchmarks first, then those that start the local stack; any other bench/*.py after them.
# bench/_*.py are helpers, not benchmarks.
BENCH_ORDER := $(patsubst %,bench/%.py,cold_start aws_calls engine_tokens local_api load)
BENCH_SCRIPTS := $(BENCH_ORDER) $(sort $(filter-out $(BENCH_ORDER) bench/_%,$(wildcard bench/*.py)))

bench: $(STAMP)
	@for script in $(BENCH_SCRIPTS); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# cosmic-ray over ledger, payments, auth, videos, processing and video_actions, in a copy of the repository
# (it edits files in place), each module against its own integration tests; prints the score per module and
# fails under 95% killed. Long (hours on 2 cores): not part of `make test`. MODULES="ledger auth" narrows it.
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py $(MODULES)

# web/ to a deployed stack (config.json from its outputs, then an invalidation): scripts/publish_web.py.
STACK ?= youtube-study-buddy
publish-web: $(STAMP)
	$(BIN)/python scripts/publish_web.py --stack $(STACK) $(if $(REGION),--region $(REGION))

clean:
	rm -rf $(VENV) .ytsb .pytest_cache .ruff_cache
