package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/deployfiles"
)

func runFix(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fix", stderr, "fix [flags] [PATH...]")
	var common commonFlags
	common.register(fs)
	diff := fs.Bool("diff", false, "print a unified diff of the rewrites and write nothing")
	unsafe := fs.Bool("unsafe-fixes", false, "also apply the rewrites marked as needing review")
	deployments := fs.Bool("deployments", false, "also write each rewritten flow's entry into prefect.yaml, and its base job template, in the project root")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseStatus(err)
	}
	if err := common.validate(); err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cfg, err := common.applyConfig(paths)
	if err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	if cfg != nil && cfg.UnsafeFixes != nil && !flagSet(fs, "unsafe-fixes") {
		*unsafe = *cfg.UnsafeFixes
	}
	reg, mappingsOK := loadRegistry(common.mappings, stderr)
	if reg == nil {
		return exitError
	}
	files, errs := collectFiles(paths)
	status := exitClean
	for _, err := range errs {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		status = exitError
	}
	ctx := context.Background()
	fixed, total, remaining := 0, 0, 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			printErr(stderr, path, err)
			status = exitError
			continue
		}
		opts := analysis.Options{WorkPool: common.workPool, Entrypoint: entrypointFor(path), Enabled: enabledFor(cfg, path)}
		out, applied, err := analysis.FixAllDeployments(ctx, src, reg, opts, *unsafe)
		n := len(applied)
		if err != nil {
			printErr(stderr, path, err)
			status = exitError
			continue
		}
		left := analyzeSource(ctx, path, out, reg, opts)
		remaining += len(left.findings)
		if left.file != nil && left.file.HasErrors {
			line := left.file.Line(left.file.ErrorStart) + 1
			fmt.Fprintf(stderr, "airshift: %s:%d: not rewritten: %s; fix the syntax error first\n", path, line, left.file.ErrorMessage)
			status = exitError
		}
		if n == 0 {
			continue
		}
		// The deployment files are planned first: when they cannot be
		// written, the DAG keeps its calls, so a later run can retry both.
		// notWritten counts the calls of a file whose rewrite was not
		// written: all of them are still left.
		notWritten := func() {
			remaining += len(analyzeSource(ctx, path, src, reg, opts).findings) - len(left.findings)
		}
		var changes []deployfiles.Change
		if *deployments {
			changes, err = planDeployments(path, applied)
			if err != nil {
				fmt.Fprintf(stderr, "airshift: %s: not rewritten, because its deployment files cannot be written: %v\n", path, err)
				status = exitError
				notWritten()
				continue
			}
		}
		if *diff {
			fmt.Fprint(stdout, unifiedDiff(path, src, out))
		} else if err := deployfiles.WriteAtomic(path, out); err != nil {
			printErr(stderr, path, err)
			status = exitError
			notWritten()
			continue
		}
		total += n
		fixed++
		if err := writeDeployments(path, changes, *diff, stdout, stderr); err != nil {
			printErr(stderr, path, err)
			status = exitError
		}
	}
	verb := "Applied"
	if *diff {
		verb = "Would apply"
	}
	fmt.Fprintf(stderr, "%s %d %s in %d %s; %d operator %s left.\n", verb, total, plural(total, "rewrite", "rewrites"),
		fixed, plural(fixed, "file", "files"), remaining, plural(remaining, "call", "calls"))
	if !mappingsOK {
		status = exitError
	}
	if status == exitClean && remaining > 0 && !*diff {
		status = exitFindings
	}
	if status == exitClean && *diff && (total > 0 || remaining > 0) {
		status = exitFindings
	}
	return status
}
