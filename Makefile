# IHEP backend: the commands a developer and CI use. Every target that needs
# the local stack starts it with emulator/stack, which installs what is
# missing (npm packages from the lock files, Go modules) on first use.
#
#   make dev         start the stack (dev profile) and load the demo patient
#   make test        run every test (starts the test-profile stack)
#   make test-short  run the tests that need no emulator
#   make bench       print the performance numbers (test-profile stack)
#   make up | down | status        manage the dev stack
#   make test-down                 stop the test stack
#   make api-types   regenerate clients/typescript/api.ts from openapi.yaml

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

STACK := emulator/stack
# The web client's TypeScript types, generated from openapi.yaml with the
# openapi-typescript version pinned in the folder's package-lock.json.
TS_TYPES := clients/typescript
# Cap each package's test binary; the slowest package needs about a minute.
TEST_TIMEOUT ?= 10m

.PHONY: help dev up down status demo test test-short test-down lint bench api-types api-types-check

help:
	@sed -n 's/^#   make /  make /p' Makefile

dev: up demo
	@eval "$$($(STACK) env --profile dev)" && echo && \
	echo "The stack keeps serving in the background: functions at $$IHEP_RUNNER_URL/<name>." && \
	echo "Stop it with: make down"

up:
	$(STACK) up --profile dev

down:
	$(STACK) down --profile dev

status:
	$(STACK) status --profile dev

demo:
	eval "$$($(STACK) env --profile dev)" && go run ./emulator/demo

test: lint api-types-check
	$(STACK) up --profile test
	cd emulator/fhir && npm test
	eval "$$($(STACK) env --profile test)" && go test -count=1 -timeout $(TEST_TIMEOUT) ./...

test-short:
	go test -short -count=1 ./...

test-down:
	$(STACK) down --profile test

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go')); \
	if [[ -n $$unformatted ]]; then echo "gofmt needed on: $$unformatted" >&2; exit 1; fi
	go vet ./...
	bash -n $(STACK) deploy.sh
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive terraform; \
	else echo "terraform not installed: the Go tests in terraform/ check the formatting instead"; fi

bench:
	$(STACK) up --profile test
	eval "$$($(STACK) env --profile test)" && go run ./emulator/bench $(BENCH_FLAGS)

api-types: $(TS_TYPES)/node_modules
	cd $(TS_TYPES) && npx --no-install openapi-typescript ../../openapi.yaml --output api.ts
	cd $(TS_TYPES) && npx --no-install tsc --noEmit --strict api.ts

# api-types-check fails when api.ts differs from what openapi.yaml generates.
api-types-check: $(TS_TYPES)/node_modules
	@generated=$$(mktemp --suffix=.ts) && trap 'rm -f "$$generated"' EXIT && \
	(cd $(TS_TYPES) && npx --no-install openapi-typescript ../../openapi.yaml --output "$$generated" >/dev/null) && \
	if ! diff -u $(TS_TYPES)/api.ts "$$generated"; then \
		echo "$(TS_TYPES)/api.ts is out of date: run make api-types" >&2; exit 1; \
	fi

$(TS_TYPES)/node_modules: $(TS_TYPES)/package-lock.json
	cd $(TS_TYPES) && npm ci --no-audit --no-fund
	touch $@
