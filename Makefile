# DataGate. Two commands: `make run` and `make test`.
GO ?= go
# Pure Go everywhere: the SQLite driver is modernc.org/sqlite, so no C
# toolchain is needed, and one build cache serves build and test.
export CGO_ENABLED = 0
# The module proxy on some networks is partial; versions in go.mod are pinned.
DATA ?= ./data

.PHONY: run build test test-short test-faults fuzz vet lint fmt bench

run: build
	./bin/datagate dev --data $(DATA)

build:
	$(GO) build -o bin/datagate ./cmd/datagate

# Every test: unit, workflow (virtual time), store (SQLite, and MySQL/MariaDB
# when DATAGATE_TEST_MYSQL_DSN is set), replay, and the integration test that
# runs the embedded Temporal server.
test: lint
	$(GO) test -count=1 -timeout 20m ./...

# Everything but the tests that start a Temporal server.
test-short:
	$(GO) test -count=1 -short ./...

# The fault tests (docs/RELIABILITY.md): 200 applications each through the
# real stack while the worker is killed, the database is locked, Temporal
# restarts, and every decision is sent twice. About 2-3 minutes; FAULTFLAGS=-v
# prints what each fault did and what was counted.
test-faults:
	DATAGATE_FAULTS=1 $(GO) test -count=1 -timeout 40m -run '^TestFault' $(FAULTFLAGS) ./cmd/datagate/

# Bounded fuzzing: every fuzz target of the API for FUZZTIME each (the
# committed corpora in api/testdata/fuzz run in every `make test`). The
# instrumented test binary is built once; a failing input is written to
# api/testdata/fuzz/<target>/, where `go test` replays it from then on.
# The budget is a count of inputs, not a duration: Go 1.26's coordinator
# can report its own -fuzztime deadline as a failure when workers are
# starved of CPU (golang/go#75804, fixed in 1.27); a count sets no deadline.
# -test.timeout still bounds a target that hangs.
FUZZTIME ?= 10000x
fuzz:
	$(GO) test -c -fuzz=. -o bin/api-fuzz.test ./api/
	@cache="$$($(GO) env GOCACHE)/fuzz/github.com/datagate/datagate/api"; \
	cd api && for t in $$(../bin/api-fuzz.test -test.list '^Fuzz'); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		../bin/api-fuzz.test -test.run '^$$' -test.fuzz "^$$t\$$" -test.fuzztime $(FUZZTIME) \
			-test.timeout 10m -test.fuzzcachedir "$$cache" || exit 1; \
	done

# Measurements beside their anchors, printed as a table (docs/PERFORMANCE.md);
# timing stays out of `make test`, which runs only a smoke run of the bench.
# E.g. make bench BENCH='p1 p3 -n 50', or BENCH='all -mysql mysql://...bench'.
BENCH ?= all
bench:
	$(GO) run ./cmd/bench $(BENCH)

# gofmt rewrites every Go file in place; vet fails when one needs it.
fmt:
	gofmt -w $$(git ls-files '*.go')

# go vet, then staticcheck at a pinned version, run with `go run` so that
# the linter's own dependencies stay out of go.mod (about 2 minutes from a
# cold cache, seconds after).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint: vet
	$(GO) run $(STATICCHECK) ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
