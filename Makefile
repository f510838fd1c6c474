# A fresh clone needs only `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DJGJ   := $(VENV)/bin/djgj
DEMO   := build/demo

.PHONY: all install demo test lint bench clean

all: test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(PY) -m djgj.samplegen $(DEMO)/samples
	DJGJ_DB=$(DEMO)/ledger.db $(DJGJ) import $(DEMO)/samples/2013_*.xlsx --as-of 2013-12-31
	DJGJ_DB=$(DEMO)/ledger.db $(DJGJ) import $(DEMO)/samples/2014_*镇*.xls* $(DEMO)/samples/2014_*乡*.csv $(DEMO)/samples/2014_各村社区*.xlsx --as-of 2014-12-31
	DJGJ_DB=$(DEMO)/ledger.db $(DJGJ) import $(DEMO)/samples/*花名册*.xlsx --roster
	DJGJ_DB=$(DEMO)/ledger.db $(DJGJ) report --year 2014 --kind non_public
	DJGJ_DB=$(DEMO)/ledger.db $(DJGJ) gaps --year 2014 --kind non_public --limit 15

test: $(VENV)/.installed
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy src/djgj

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
