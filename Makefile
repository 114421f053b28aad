# Two entry points for people: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench console validate lock clean postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies come from the hashed lock file only; the project itself is then installed
# without resolving anything again.
$(STAMP): $(BIN)/python pyproject.toml requirements/dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/quizbot run

console: $(STAMP)
	$(BIN)/quizbot console

validate: $(STAMP)
	$(BIN)/quizbot validate

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests and benchmarks start a throwaway PostgreSQL: its server binaries must be here.
postgres:
	bash scripts/ensure-postgres

pytest: $(STAMP) postgres
	$(BIN)/pytest

bench: $(STAMP) postgres
	$(BIN)/python -m benchmarks

# Re-resolve the lock files after a change to pyproject.toml's dependencies: one universal
# resolution (Python 3.11-3.13, every platform) with hashes, installed by plain pip.
UV_VERSION := 0.13.9
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--no-header --quiet -o requirements/runtime.txt
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--extra dev --no-header --quiet -o requirements/dev.txt

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache bench.json
