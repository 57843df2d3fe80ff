# kmconform — see README.md.
GO      ?= go
BIN     := $(CURDIR)/bin
TARGET  ?= official
IS      ?= 7.1.0
APIM    ?= 4.5.0
REPORTS ?= reports
ARGS    ?=

export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: build conformance test vet bench soak clean

## build: the CLI, the simulator and the conformance suite binary, into bin/
build:
	$(GO) build -o $(BIN)/kmconform ./cmd/kmconform
	CGO_ENABLED=0 $(GO) build -o $(BIN)/kmsim ./cmd/kmsim
	$(GO) test -c -o $(BIN)/conformance.test ./suites/conformance

## conformance: run one cell, e.g. make conformance TARGET=sim IS=7.1.0 APIM=4.5.0
##   TARGET=official (default): WSO2's images; sim: kmsim processes; sim-docker: kmsim images on Docker
conformance: build
	$(BIN)/kmconform run --target $(TARGET) --is $(IS) --apim $(APIM) --reports $(REPORTS) $(ARGS)

## vet: gofmt and go vet
vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## test: unit tests, then the suite end to end on the simulator (processes and containers), including the
##   runs that must fail. Needs a Docker engine; SKIP_DOCKER=1 skips the container runs (and says so).
test: vet build
	@if [ "$(SKIP_DOCKER)" = "1" ]; then echo "*** SKIP_DOCKER=1: the runs against simulator containers are SKIPPED ***"; fi
	KMCONFORM_BIN=$(BIN) SKIP_DOCKER=$(SKIP_DOCKER) $(GO) test -count=1 -parallel 4 -timeout 14m ./...

## soak: stability, not part of test — 20 consecutive cells on simulator processes (the whole matrix) and 5 on
##   simulator containers, each run by bin/kmconform; prints how many passed and the spread of their wall times
soak: build
	@mkdir -p $(REPORTS)
	@echo "soak: every cell's output goes to $(REPORTS)/soak.log"
	@KMCONFORM_BIN=$(BIN) SKIP_DOCKER=$(SKIP_DOCKER) $(GO) test -tags soak -count=1 -timeout 60m -v -run '^TestSoak$$' ./selftest \
		> $(REPORTS)/soak.log 2>&1; code=$$?; grep -E '^soak:' $(REPORTS)/soak.log; \
		if [ $$code -ne 0 ]; then echo "soak FAILED: see $(REPORTS)/soak.log"; fi; exit $$code

## bench: speed and memory goals, among them the parallel matrix: N = 6 simulator cells whose products take
##   4 s and 8 s to start, at 1, 2 and 3 cells at once; prints wall / ideal per P (goal: at most 1.1) and the
##   peak memory of one cell
bench: build
	KMCONFORM_BIN=$(BIN) $(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

clean:
	rm -rf $(BIN) $(REPORTS)
