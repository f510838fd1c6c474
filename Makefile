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
	cd $(DEMO)/samples && export DJGJ_DB=../ledger.db && \
	  $(CURDIR)/$(DJGJ) import 2013_全县非公企业党建工建台账.xlsx && \
	  $(CURDIR)/$(DJGJ) import 2014_城关镇_非公企业党建工建统计表.xlsx 2014_北关镇_企业台账.xls \
	    2014_南坪乡_党建工建.csv 2014_白水镇_非公企业情况.xlsx 2014_各村社区工会组建情况.xlsx --as-of 2014-12-31 && \
	  $(CURDIR)/$(DJGJ) import 2014_城关镇_工会会员花名册.xlsx --roster && \
	  $(CURDIR)/$(DJGJ) report --year 2014 && \
	  $(CURDIR)/$(DJGJ) gaps --year 2014 --kind 非公有制企业 --rule 应建工会 --rule 应建党组织 --limit 15 && \
	  $(CURDIR)/$(DJGJ) status --year 2014 && \
	  $(CURDIR)/$(DJGJ) plan --year 2014 --target 建会率=80% --township 城关镇 && \
	  $(CURDIR)/$(DJGJ) report --year 2014 --format docx -o ../年度总结.docx && \
	  $(CURDIR)/$(DJGJ) report --year 2014 --format xlsx -o ../年报报表.xlsx && \
	  $(CURDIR)/$(DJGJ) report --year 2014 --format html -o ../年报.html
	@echo ""
	@echo "年报（HTML，含图表，可离线打开、A4 打印）：$(CURDIR)/$(DEMO)/年报.html"
	@echo "年度总结（Word）：$(CURDIR)/$(DEMO)/年度总结.docx    报表（xlsx）：$(CURDIR)/$(DEMO)/年报报表.xlsx"

# `make test` leaves out the cases marked slow (generated ledgers walked by Hypothesis, province-sized
# files) to stay within 10 minutes on 2 cores; CI runs everything: `make test PYTEST_MARK=`.
# The tests run on every core (pytest-xdist; each worker starts its own PostgreSQL): `PYTEST_JOBS=0`
# runs them in one process.
PYTEST_MARK ?= not slow
PYTEST_JOBS ?= auto
test: $(VENV)/.installed
	$(PY) -m pytest -q $(if $(filter-out 0,$(PYTEST_JOBS)),-n $(PYTEST_JOBS)) $(if $(PYTEST_MARK),-m "$(PYTEST_MARK)")

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy src/djgj

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
