# Airshift build, test and demo targets.
BIN := bin/airshift
GO ?= go

.PHONY: build test run clean vsix test-editors bench

build:
	$(GO) build -o $(BIN) ./cmd/airshift

# run checks the bundled example DAGs. airshift exits 1 when it finds
# operator calls to migrate, which is the expected outcome here.
run: build
	./$(BIN) check testdata/dags; status=$$?; [ $$status -le 1 ] || exit $$status

test:
	$(GO) vet ./...
	$(GO) test ./...
	$(MAKE) test-editors

clean:
	rm -rf bin

VSCODE_DIR := editors/vscode
VSIX := bin/airshift-linux-x64.vsix

# npm ci rewrites node_modules/.package-lock.json, so the install reruns
# only when package-lock.json changes.
$(VSCODE_DIR)/node_modules/.package-lock.json: $(VSCODE_DIR)/package-lock.json
	cd $(VSCODE_DIR) && npm ci --no-audit --no-fund

# vsix packages the VS Code extension with a linux-x64 server inside. The
# server uses cgo, so this needs a linux/amd64 host or CC set to a cross
# compiler for it.
vsix: $(VSCODE_DIR)/node_modules/.package-lock.json
	mkdir -p bin $(VSCODE_DIR)/server
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags="-s -w" -o $(VSCODE_DIR)/server/airshift ./cmd/airshift
	cd $(VSCODE_DIR) && npx --no-install vsce package --no-dependencies --skip-license \
		--allow-missing-repository --target linux-x64 -o ../../$(VSIX) </dev/null

# test-editors drives the server from Neovim, Emacs eglot and a Node.js
# protocol client, and checks the packaged extension.
test-editors: build
	editors/test/run-all.sh

BENCH_DIR := testdata/bench
BENCH_OUT := $(BENCH_DIR)/out
BENCH_NODE := $(BENCH_DIR)/node
AST_GREP := $(BENCH_NODE)/node_modules/@ast-grep/cli-linux-x64-gnu/ast-grep

$(BENCH_NODE)/node_modules/.package-lock.json: $(BENCH_NODE)/package-lock.json
	cd $(BENCH_NODE) && npm ci --no-audit --no-fund

# bench prints every performance figure: the Go benchmarks, the server
# latency through a Node.js protocol client, and airshift check against
# ast-grep scan on a generated 1,000-file corpus. It takes several
# minutes on 2 cores. No figure fails the build; docs/benchmarks.md
# records them and the targets.
bench: build $(BENCH_NODE)/node_modules/.package-lock.json
	$(GO) test -run '^$$' -bench . -benchmem ./analysis ./server
	$(GO) run ./$(BENCH_DIR)/gencorpus -out $(BENCH_OUT)/corpus -files 1000 -lines 300
	$(GO) run ./$(BENCH_DIR)/gencorpus -out $(BENCH_OUT)/small -files 1 -lines 300
	$(GO) run ./$(BENCH_DIR)/gencorpus -out $(BENCH_OUT)/large -files 1 -lines 10000
	cd $(BENCH_NODE) && node latency.js --server ../../../$(BIN) \
		--small ../out/small/dag_0000.py --large ../out/large/dag_0000.py --corpus ../out/corpus
	$(BENCH_DIR)/race.sh $(BIN) $(AST_GREP) $(BENCH_OUT)/corpus 5

.PHONY: fuzz soak

# FUZZ_TIME is how long fuzz runs each target. A crash stops the run and
# go test writes the input under the package's testdata/fuzz folder.
FUZZ_TIME ?= 60s
FUZZ_TARGETS := analysis:FuzzAnalyze analysis:FuzzRewrite analysis:FuzzAnalyzeAfter mappings:FuzzParse \
	server:FuzzPositionRoundTrip server:FuzzTreeSitterPoint server:FuzzIncrementalEdits

# fuzz runs every fuzz target, one after the other, for FUZZ_TIME each.
# Minimizing a new input is capped at 2 s: with the default of 60 s the
# analysis targets spent nearly all of FUZZ_TIME minimizing.
fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target#*:}; \
		echo "fuzzing $$name in ./$$pkg for $(FUZZ_TIME)"; \
		$(GO) test ./$$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZ_TIME) -fuzzminimizetime 2s; \
	done

# SOAK_TIME is how long soak sends requests after its 5 s warm-up.
SOAK_TIME ?= 60s

# soak drives the built server with edits, hovers and code actions on 50
# files and prints requests served, errors, p99 latency and memory.
soak: build
	$(GO) run ./testdata/soak -server $(BIN) -files 50 -duration $(SOAK_TIME)
