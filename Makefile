# Factcheck Workbench: `make run` serves the workbench, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs in this many processes (pytest-xdist); 0 runs it in this one.
TEST_PROCESSES ?= 2

.PHONY: run test install install-test system-deps bench clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The install stamps depend on setup.cfg, so a changed dependency list reinstalls.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium (browser tests), Noto fonts (Devanagari share cards) and Tesseract with its Hindi
# and English models (text in images), when we may install them; without them those tests skip and
# say why, share cards fall back to DejaVu, and the app reports OCR as unavailable on /healthz.
SYSTEM_PACKAGES := chromium fonts-noto-core tesseract-ocr tesseract-ocr-hin tesseract-ocr-eng
system-deps:
	@if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/noto ] \
		&& command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx hin; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian packages: $(SYSTEM_PACKAGES)"; \
		(apt-get update -qq || true) >/dev/null 2>&1; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 \
			|| echo "warning: could not install $(SYSTEM_PACKAGES); the tests that need them will skip"; \
	else echo "note: install Debian's $(SYSTEM_PACKAGES) for browser tests, share cards and OCR"; fi

run: install
	$(BIN)/factcheck init-db
	$(BIN)/factcheck create-admin
	$(BIN)/factcheck serve --host $(HOST) --port $(PORT)

test: install-test system-deps
	$(BIN)/ruff check factcheck tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# bounded.py stops each peer (the slow algorithms it replaced) after --peer-seconds.
bench: install
	$(BIN)/python bench/archive.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/bounded.py --peer-seconds 5

# After changing user-facing text: collect it, merge it into the Hindi catalogue, translate the
# new entries in factcheck/translations/hi/LC_MESSAGES/messages.po, then run this again to compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext --no-location --sort-output -w 100 \
		--project "Factcheck Workbench" -o factcheck/translations/messages.pot .
	$(BIN)/pybabel update -i factcheck/translations/messages.pot -d factcheck/translations --no-fuzzy-matching -w 100
	$(BIN)/pybabel compile -d factcheck/translations

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
