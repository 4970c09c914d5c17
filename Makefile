# Airshift build, test and demo targets.
BIN := bin/airshift
GO ?= go

.PHONY: build test run clean

build:
	$(GO) build -o $(BIN) ./cmd/airshift

# run checks the bundled example DAGs. airshift exits 1 when it finds
# operator calls to migrate, which is the expected outcome here.
run: build
	./$(BIN) check testdata/dags; status=$$?; [ $$status -le 1 ] || exit $$status

test:
	$(GO) vet ./...
	$(GO) test ./...

clean:
	rm -rf bin
