# Tessera: the two commands a new user types are `make demo` and `make test`.
# Both install what is missing first (scripts/setup.sh), so they work on a fresh Debian 12.

SWIFT      ?= swift
PYTHON     ?= python3
PIP        ?= $(PYTHON) -m pip
CONFIG     ?= release
BIN        := .build/$(CONFIG)/tessera
OUT        ?= outputs

.PHONY: all setup build demo test test-swift test-training bench fuzz fixtures clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product tessera

# Renders the example prompts with the default model (until the model ships:
# encodes a synthetic frame sequence, so the media path is shown end to end).
demo: build
	@bash scripts/demo.sh "$(BIN)" "$(OUT)"

test: test-swift test-training

# Release mode: the numerical tests compare real model sizes against reference fixtures.
test-swift: setup
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-swift-testing

# The Python side (Shapes World renderer, captioner, evaluator, trainers at tiny scale).
test-training: setup
	$(PIP) install --quiet --disable-pip-version-check --root-user-action=ignore -r training/requirements.txt
	cd training && $(PYTHON) -m pytest -q

bench: setup
	$(SWIFT) build -c release --product tessera-bench
	.build/release/tessera-bench all

# libFuzzer over the safetensors header parser (Fuzz/README.md); new finds go in Fuzz/corpus.
fuzz: setup
	bash Fuzz/run.sh $(or $(FUZZ_SECONDS),600)

# Reference fixtures are written by Python scripts (diffusers, transformers) run by hand,
# never in CI. Each test quotes the script that made its fixture.
FIXTURE_SCRIPTS := $(wildcard scripts/fixtures/*.py)
fixtures:
	$(PIP) install --quiet --disable-pip-version-check --root-user-action=ignore -r training/requirements.txt
	set -e; for s in $(FIXTURE_SCRIPTS); do echo "== $$s"; $(PYTHON) $$s; done

clean:
	rm -rf .build
