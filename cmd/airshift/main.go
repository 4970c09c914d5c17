// Command airshift finds Apache Airflow operator calls in DAG files and
// rewrites them into Prefect flows. It runs as a language server (serve) or
// from a terminal (check, fix, explain).
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses, as ruff uses them: 0 clean, 1 findings left, 2 usage or
// internal errors.
const (
	exitClean    = 0
	exitFindings = 1
	exitError    = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `airshift moves Apache Airflow operators to Prefect.

Usage:
  airshift check [flags] [PATH...]     report operator calls (exit 1 while any are left)
  airshift fix [flags] [PATH...]       apply the safe rewrites (--diff to preview)
  airshift explain [flags] OPERATOR    print what an operator becomes in Prefect
  airshift serve [flags]               run the language server over stdio
  airshift version                     print the version

check prints one line per finding by default. --format json, sarif (SARIF 2.1.0
for GitHub code scanning) or github (GitHub Actions annotations) selects
another output, and --statistics prints the number of findings per rule.

Run "airshift COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	if wantsHelp(args[1:]) {
		// A subcommand's help goes to standard output, as help requested
		// on purpose does, so that it can be piped to a pager.
		stderr = stdout
	}
	switch args[0] {
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "fix":
		return runFix(args[1:], stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "airshift %s\n", version)
		return exitClean
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitClean
	}
	fmt.Fprintf(stderr, "airshift: unknown command %q\n\n%s", args[0], usage)
	return exitError
}

// wantsHelp reports whether args ask for a subcommand's help.
func wantsHelp(args []string) bool {
	for _, arg := range args {
		switch arg {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}
