# Thin targets: CI calls `make test` unchanged. Each step installs only what is missing.
PY          ?= python3
BOOTSTRAP   := $(PY) scripts/bootstrap.py
BOT         := .venvs/bot/bin
GATEWAY     := .venvs/gateway/bin
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2

WIDGET      := widget/dist/city311-widget.js

.PHONY: run test lint bench eval venvs model chromium widget validate test-bot test-stories test-gateway clean help

help:
	@echo "make run    install what is missing, train if needed, start the three processes"
	@echo "make test   install what is missing and run the whole suite"
	@echo "make lint | bench | eval | model | widget | clean"

venvs:
	@$(BOOTSTRAP) venv bot
	@$(BOOTSTRAP) venv gateway

model: venvs
	@$(BOOTSTRAP) model

chromium:
	@$(BOOTSTRAP) chromium

# The web-chat widget bundle (Node + npm; exact versions from widget/package-lock.json).
widget: $(WIDGET)
$(WIDGET): $(shell find widget/src -type f 2>/dev/null) widget/build.mjs widget/package-lock.json
	@echo "==> building the web-chat widget"
	@widget/build.sh

run: model $(WIDGET)
	@$(GATEWAY)/python -m livechat migrate
	@$(PY) scripts/run.py

validate: venvs
	$(BOT)/rasa data validate --data bot/data --domain domain.yml --config config.yml --fail-on-warnings

test-stories: model
	$(BOT)/rasa test core --stories bot/tests --model models/city311.tar.gz \
		--out var/rasa-test-results --fail-on-prediction-errors

test-bot: venvs
	@scripts/pytest.sh $(BOT)/python tests/bot

test-gateway: model chromium $(WIDGET)
	@scripts/pytest.sh $(GATEWAY)/python tests/livechat
	@scripts/pytest.sh $(GATEWAY)/python tests/bench
	@# Separate runs: Playwright's sync API keeps an event loop running in the main thread,
	@# which pytest-asyncio tests collected after it in the same process cannot share.
	@scripts/pytest.sh $(GATEWAY)/python tests/widget
	@scripts/pytest.sh $(GATEWAY)/python tests/console
	@scripts/pytest.sh $(GATEWAY)/python tests/integration
	@scripts/pytest.sh $(GATEWAY)/python tests/faults
	@scripts/pytest.sh $(GATEWAY)/python tests/fullstack

test: lint validate test-bot test-stories test-gateway

lint: venvs
	$(GATEWAY)/ruff check livechat bot tests bench scripts
	$(GATEWAY)/mypy

# BENCH_ARGS / SOAK_ARGS pass options, e.g. make bench BENCH_ARGS="--compare old.json".
bench: model
	$(GATEWAY)/python -m bench $(BENCH_ARGS)

.PHONY: soak
soak: model
	$(GATEWAY)/python -m bench.soak --minutes 10 $(SOAK_ARGS)

eval: venvs
	$(BOT)/python scripts/evaluate.py

clean:
	rm -rf .venvs models var results .pytest_cache .mypy_cache .ruff_cache
