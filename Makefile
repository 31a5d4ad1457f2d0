# Tessera: the two commands a new user types are `make demo` and `make test`.
# Both install what is missing first (scripts/setup.sh), so they work on a fresh Debian 12.

SWIFT      ?= swift
CONFIG     ?= release
BIN        := .build/$(CONFIG)/tessera
OUT        ?= outputs

.PHONY: all setup build demo test bench fuzz fixtures clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product tessera

# Renders the example prompts with the default model (until the model ships:
# encodes a synthetic frame sequence, so the media path is shown end to end).
demo: build
	@bash scripts/demo.sh "$(BIN)" "$(OUT)"

# Release mode: the numerical tests compare real model sizes against reference fixtures.
test: setup
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

bench: setup
	$(SWIFT) build -c release --product tessera-bench
	.build/release/tessera-bench all

# libFuzzer over the safetensors header parser (Fuzz/README.md); new finds go in Fuzz/corpus.
fuzz: setup
	bash Fuzz/run.sh $(or $(FUZZ_SECONDS),600)

# Reference fixtures are written by Python scripts (diffusers, transformers) run by hand,
# never in CI: see Tests/Fixtures/README.md.
fixtures:
	python3 scripts/fixtures/make_all.py

clean:
	rm -rf .build
