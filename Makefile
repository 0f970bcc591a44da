# Shopwright: `make demo` sets up and serves the demo shop; `make test` installs and runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SHOPWRIGHT_INSTANCE ?= $(CURDIR)/instance
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo serve test test-fast test-postgres lint bench-host bench-widgets clean

install: $(STAMP)

# Reinstalled only when the dependency lists change, so a second `make demo` starts in seconds.
$(STAMP): requirements/ci.txt setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/ci.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

demo: install
	$(BIN)/shopwright db upgrade
	$(BIN)/shopwright demo load
	@echo "Serving on http://127.0.0.1:8000: storefront /shop/demo/, admin /admin/, API /api/v1/openapi.json"
	$(BIN)/shopwright serve --host 127.0.0.1 --port 8000 --workers 2

test: install
	$(BIN)/python -m pytest

# The host's tests again on PostgreSQL: each app gets a new database on the server named in
# SHOPWRIGHT_TEST_POSTGRES (.ci/postgres starts a throwaway one).
test-postgres: install
	test -n "$(SHOPWRIGHT_TEST_POSTGRES)" || { echo "set SHOPWRIGHT_TEST_POSTGRES to a server URL"; exit 2; }
	$(BIN)/python -m pytest -q --deselect tests/test_kernels.py --deselect tests/test_kernels_transformers.py

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: install
	$(BIN)/ruff check host plugins kernels tests bench examples

bench-host: install
	$(BIN)/python bench/host_api.py

bench-widgets: install
	$(BIN)/python bench/widgets.py

clean:
	rm -rf $(VENV) build *.egg-info
