# Airshift build, test and demo targets.
BIN := bin/airshift
GO ?= go

.PHONY: build test run clean vsix test-editors

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
