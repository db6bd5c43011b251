# Noncekit's commands. `make help` lists them. Everything runs through the
# go command: templ is a go.mod tool (`go tool templ`), so nothing is
# installed globally.

GO      ?= go
BIN     ?= bin/noncekit
PKGS    := ./...
# The CSP library is a Go module of its own (csp/go.mod): go's ./... stops
# at its folder, so the targets that vet and test run it there too, as its
# users get it. A clone that pins a published version and deletes csp/
# has no LIB, and those lines do nothing.
LIB     := $(patsubst %/go.mod,%,$(wildcard csp/go.mod))
lib      = $(if $(LIB),$(GO) -C $(LIB) $(1),true)
# dirs names the folders of $(1) that exist, as go patterns: a pattern
# for a folder that is gone (the showcase's, after make remove-showcase)
# would fail go test's setup.
dirs = $(patsubst %,./%/...,$(wildcard $(1)))
# The Chromium suites: the skeleton's and the showcase's.
E2E     := $(call dirs,internal/e2e internal/showcase/browser)
# go test starts packages in the order it is given them, two at a time on
# a 2-core machine. The slow ones go first: the showcase's Chromium suite,
# the tests that copy and build the kit and the skeleton's Chromium suite
# then overlap with the rest instead of running last, alone (make test
# 1m16s -> 1m08s, measured on the 2-core machine). go test runs each
# package once however often it is named.
SLOW_FIRST := $(call dirs,internal/showcase/browser docs internal/showcase internal/e2e)
COUNT   ?= 5
ROUNDS  ?= 20
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
# The Go files gofmt checks: generated *_templ.go are templ's to format.
# The shell runs the command where a recipe uses the variable.
GOFMT_FILES = $$(git ls-files '*.go' | grep -v '_templ\.go$$')

# make dev: the app listens on DEV_APP, templ's live-reload proxy on
# localhost:DEV_PORT. Two watchers run side by side, as templ's docs pair
# them (templ.guide, "Live reload with other tools"):
#   - templ's watch mode: a .templ edit that changes only text is written to
#     _templ.txt files, which the running app reads (TEMPL_DEV_MODE), and the
#     proxy reloads the page, no rebuild; Go code in a .templ regenerates its
#     _templ.go.
#   - air (.air.toml, with the overrides below): a .go edit, a regenerated
#     _templ.go, or a CSS, JS or SVG edit (embedded in the binary) rebuilds
#     and restarts the app; the app's start sends templ's proxy its reload
#     event (templ generate -notify-proxy), and the proxy holds the
#     browser's request until the new app answers. -ldflags=-w leaves out
#     the debugger's tables (DWARF), a third of each rebuild's link time.
DEV_APP   ?= localhost:8080
DEV_PORT  ?= 7331
DEV_AIR    = -build.cmd "$(GO) build -ldflags=-w -o ./tmp/noncekit ./cmd/noncekit" \
	-build.include_ext "go,css,js,svg" -build.exclude_regex '_test\.go$$' \
	-build.full_bin "{ $$templ generate -notify-proxy -proxyport=$(DEV_PORT) >/dev/null 2>&1 & } ; exec env TEMPL_DEV_MODE=true ./tmp/noncekit"

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-17s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# go run prints nothing while it compiles, and a first build compiles every
# dependency (modernc SQLite most of all): about a minute on an idle 2-core
# machine. Say so when the build cache lacks much of the server: go list
# counts the packages a build would compile in about 0.2 s. A later build
# after an edit compiles a package or two and says nothing.
COMPILE_NOTE = n=$$($(GO) list -deps -f '{{if .Stale}}{{.ImportPath}}{{end}}' ./cmd/noncekit 2>/dev/null | grep -c .); \
	if [ "$$n" -gt 20 ]; then echo "compiling $$n packages of ./cmd/noncekit: a first build takes about a minute, later ones seconds"; fi

.PHONY: run
run: ## Serve the kit at http://localhost:8080 (ADDR to change)
	@$(COMPILE_NOTE)
	$(GO) run ./cmd/noncekit

.PHONY: run-tls
run-tls: ## Serve https://localhost:8443 with a self-signed cert kept in DATA_DIR (report-to needs https)
	@$(COMPILE_NOTE)
	TLS=self-signed ADDR=$${ADDR:-localhost:8443} $(GO) run ./cmd/noncekit

.PHONY: dev
dev: ## Live reload at http://localhost:7331: a .templ text edit reloads at once, .go/CSS/JS edits rebuild first (templ's proxy + air)
	@echo "make dev: open http://localhost:$(DEV_PORT) (templ's live-reload proxy; the app itself listens on $(DEV_APP))"
	@templ=$$($(GO) tool -n templ) || exit 1; \
	$$templ generate -watch -log-level warn -proxy=http://$(DEV_APP) -proxyport=$(DEV_PORT) -open-browser=false & \
	watcher=$$!; trap 'kill $$watcher 2>/dev/null' EXIT; \
	ADDR=$(DEV_APP) $(GO) tool air $(DEV_AIR)

.PHONY: build
build: ## Build one self-contained binary (templates and static files embedded) into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/noncekit
	@echo "built $(BIN)"

.PHONY: generate
generate: ## Regenerate *_templ.go from the .templ files
	$(GO) tool templ generate

.PHONY: check-generated
check-generated: ## Fail when a committed *_templ.go is stale (run `make generate`)
	@$(GO) tool templ generate -check -log-level error || { echo "generated *_templ.go are stale: run 'make generate' and commit them" >&2; exit 1; }

.PHONY: fmt
fmt: ## Format Go and templ sources
	gofmt -w $(GOFMT_FILES)
	$(GO) tool templ fmt views

.PHONY: lint
lint: ## gofmt, templ fmt and go vet
	@out=$$(gofmt -l $(GOFMT_FILES)); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi
	@$(GO) tool templ fmt -fail -log-level error views || { echo "templ fmt reformatted .templ files: run 'make generate', review and commit" >&2; exit 1; }
	$(GO) vet $(PKGS)
	$(call lib,vet ./...)

# The tests link many binaries, here and in the kits the copy tests build:
# without the debugger's tables (DWARF) each links in half the time. Every
# go command under make test and make test-short gets the flag, the ones
# the tests run in their copies of the kit included.
test test-short: export GOFLAGS := $(GOFLAGS) -ldflags=-w

.PHONY: test
test: check-generated lint ## Run every test of the kit and the library, Chromium and PostgreSQL included (cached when unchanged; TESTFLAGS=-count=1 reruns all)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$CHROMIUM_PATH" ] || \
		echo "note: chromium not found, browser tests will skip: install it with 'apt-get install -y chromium'"
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$NONCEKIT_PG_BIN" ] || command -v initdb >/dev/null 2>&1 || \
		echo "note: PostgreSQL not found, its store and several-instance tests will skip: install it with 'apt-get install -y postgresql'"
	$(GO) test $(TESTFLAGS) $(SLOW_FIRST) $(PKGS)
	$(call lib,test $(TESTFLAGS) ./...)

.PHONY: test-short
test-short: ## The quick inner loop: every test but the Chromium suites and the ones that copy the kit (go test -short)
	$(GO) test -short $(PKGS)
	$(call lib,test -short ./...)

.PHONY: race
race: ## Run every test under the race detector (needs cgo: a C compiler such as gcc)
	CGO_ENABLED=1 $(GO) test -race -count=1 $(PKGS)
	CGO_ENABLED=1 $(call lib,test -race -count=1 ./...)

.PHONY: e2e
e2e: ## Run only the Chromium suites (skeleton and showcase), verbose
	$(GO) test -count=1 -v $(E2E)

# The packages whose testdata/policies.golden pins every route's policy
# headers: the skeleton's, and the showcase's while it is there.
SNAPSHOT_PKGS = $(patsubst %/testdata/policies.golden,./%,$(wildcard internal/*/testdata/policies.golden))

.PHONY: snapshots
snapshots: ## Rewrite the policy snapshots (internal/*/testdata/policies.golden) after a deliberate policy change
	$(GO) test -count=1 -run '^TestPolicySnapshots$$' $(SNAPSHOT_PKGS) -update

.PHONY: page
page: ## Scaffold a page: make page NAME=about, or NAME=pricing CACHE=public for a cacheable one (templ, handler, route, nav link, test)
	@# NAME reaches the command through the environment (make exports
	@# command-line variables), so no value can break the shell's quoting.
	@test -n "$$NAME" || { echo "usage: make page NAME=about" >&2; exit 2; }
	$(GO) run ./cmd/page -cache="$$CACHE" "$$NAME"

.PHONY: bench
bench: ## Benchmarks (COUNT=5 rounds, interleaved): CSP middleware vs bare chi vs unrolled/secure, pages, static, reports -> bench.out
	@# COUNT rounds of -count 1, rather than -count COUNT: every side of a
	@# comparison then runs in every round, so a burst of load from
	@# elsewhere on the machine hits them all alike.
	@# internal/testsupport/bench/compare is a module of its own, so that
	@# unrolled/secure stays out of the kit's go.mod.
	@rm -f bench.out
	@set -e; for i in $$(seq $(COUNT)); do \
		echo "== round $$i of $(COUNT)" >&2; \
		$(GO) test -run '^$$' -bench . -benchmem -count 1 ./internal/... ./static/... | tee -a bench.out; \
		(cd internal/testsupport/bench/compare && $(GO) test -run '^$$' -bench . -benchmem -count 1 .) | tee -a bench.out; \
	done
	@# tee hides go test's exit status: look for failures in the output.
	@! grep -E '^(FAIL|panic:)' bench.out

.PHONY: benchstat
benchstat: ## Summarise bench.out; the middleware table has one column per router, deltas against bare chi
	$(GO) run $(BENCHSTAT) -filter '.name:Middleware' -col /router bench.out
	$(GO) run $(BENCHSTAT) -filter '-.name:Middleware' bench.out

.PHONY: bench-middleware
bench-middleware: ## The headline comparison alone: ROUNDS=20 interleaved short runs of bare chi, chi+csp, chi+secure -> middleware.out
	cd internal/testsupport/bench/compare && $(GO) test -c -o ../../../../bin/compare.test .
	@rm -f middleware.out
	@cd internal/testsupport/bench/compare && for i in $$(seq $(ROUNDS)); do \
		../../../../bin/compare.test -test.run '^$$' -test.bench Middleware -test.benchmem -test.benchtime 300ms >> ../../../../middleware.out || exit 1; \
	done
	$(GO) run $(BENCHSTAT) -col /router middleware.out

.PHONY: load
load: build ## Load test: GET a page at 64 connections with and without the security middleware
	$(GO) run ./internal/testsupport/bench/load -server $(BIN)

.PHONY: load-signin
load-signin: build ## Load test: GET / p50 while 200 guessers from new addresses POST /signin (a production deploy behind a trusted proxy)
	$(GO) run ./internal/testsupport/bench/signinflood -server $(BIN)

.PHONY: load-reports
load-reports: ## Load test: flood /csp-report with 10,000 reports on SQLite, then PostgreSQL (NONCEKIT_LOAD_DB=sqlite or postgres for one), measure GET / p99 and memory
	$(GO) test -tags load -count=1 -run '^TestLoadReports$$' -v -timeout 10m ./internal/server

.PHONY: remove-showcase
remove-showcase: ## Delete the showcase (demos, catalogue, lab): the skeleton stays, ready to make yours
	rm -rf internal/showcase views/showcase static/showcase
	sed -i.bak -e '/internal\/showcase"$$/d' -e '/\/\/ The showcase: the live demos/,/showcase\.Mount(r, s)/d' internal/server/routes.go
	rm -f internal/server/routes.go.bak
	gofmt -w internal/server/routes.go
	@echo "showcase removed: internal/showcase, views/showcase, static/showcase and its line in internal/server/routes.go"

.PHONY: rename
rename: ## Rename the module everywhere: make rename MODULE=example.com/you/app
	@test -n "$(MODULE)" || { echo "usage: make rename MODULE=example.com/you/app" >&2; exit 2; }
	$(GO) run ./cmd/rename $(MODULE)
	@# The new path may sort elsewhere among a .templ's imports than the
	@# old one (beside the CSP library's, which keeps its path): templ fmt
	@# sorts them again, and generate writes the Go to match.
	$(GO) tool templ fmt -log-level error views
	$(GO) tool templ generate -log-level error

.PHONY: clean
clean: ## Remove build output and temporary files (not ./data)
	rm -rf bin tmp bench.out middleware.out
