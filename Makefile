# Two entry points do all the set-up on a fresh machine (Python 3.11 and make are all they need):
#   make demo   synthetic sample -> validation -> reports -> batch index, in outputs/
#   make test   ruff + the whole test suite (unit tests, notebook checks with nbval); installs the Debian packages
#               the tests need (Chromium) when it can, else stops with one line naming the command to run
# The virtual environment lives in .venv; a second run reuses it and starts in seconds.

# The interpreter the venv is made from. A batch spends about half its CPU time in the interpreter, so an
# optimised CPython build (Debian's /usr/bin/python3.11, conda-forge's python) makes the national batch 8-9 %
# faster than a plain source build such as pyenv's default; see docs/batch.md, "The interpreter".
#   make demo PYTHON=/usr/bin/python3.11 VENV=.venv-system
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test system-packages lint bench lock sample notebook clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	$(BIN)/python -m spiegel.kernel install >/dev/null  # the kernel "spiegel" (ipykernel; src/spiegel/kernel.py)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/spiegel demo

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

# First, before the venv is made: a missing system package stops `make test` at once.
system-packages:
	@sh tools/system-packages.sh

test: system-packages $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest
	$(BIN)/pytest $(NBVAL) notebooks/jeugdhulp.ipynb notebooks/vt.ipynb notebooks/jb.ipynb notebooks/jr.ipynb

# Re-executes the report notebook in place so that its stored outputs (what nbval compares) are current.
# Run it after a change that is meant to change the report, and review the diff of the notebook.
notebook: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.kernel_name=spiegel notebooks/jeugdhulp.ipynb notebooks/vt.ipynb notebooks/jb.ipynb notebooks/jr.ipynb

lint: $(STAMP)
	$(BIN)/ruff check .

# Regenerates the bundled sample (src/spiegel/sample/deliveries/) from its seed; the tests check that it is up to
# date. Made in a new folder first, so that a file the generator no longer makes does not stay behind.
SAMPLE := src/spiegel/sample/deliveries
sample: $(STAMP)
	rm -rf $(SAMPLE).new && $(BIN)/spiegel synth --sample --out $(SAMPLE).new
	rm -rf $(SAMPLE) && mv $(SAMPLE).new $(SAMPLE)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Refreshes the lock after a change of dependencies in pyproject.toml. Every pinned version must install on
# the lowest Python the project accepts (3.11.0; tests/test_environment.py checks the Requires-Python of each).
lock:
	rm -rf /tmp/spiegel-lock && $(PYTHON) -m venv /tmp/spiegel-lock
	/tmp/spiegel-lock/bin/pip install --quiet -e '.[test]'
	/tmp/spiegel-lock/bin/pip freeze --exclude-editable | grep -v '^spiegel' > constraints.txt

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache
