package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
)

func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("explain", stderr, "explain [flags] OPERATOR")
	var common commonFlags
	common.register(fs)
	format := fs.String("format", "markdown", "output format: markdown, or json for the compiled mapping")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return parseStatus(err)
	}
	if err := common.validate(); err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	if _, err := common.applyConfig(nil); err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	reg, _ := loadRegistry(common.mappings, stderr)
	if reg == nil {
		return exitError
	}
	if len(names) != 1 {
		fmt.Fprintf(stderr, "airshift explain: name one operator; known operators: %s\n", strings.Join(reg.Operators(), ", "))
		return exitError
	}
	m := reg.ByOperator(names[0])
	if m == nil {
		fmt.Fprintf(stderr, "airshift explain: no mapping for %q; known operators: %s\n", names[0], strings.Join(reg.Operators(), ", "))
		return exitError
	}
	switch *format {
	case "markdown":
		fmt.Fprint(stdout, analysis.ExplainMarkdown(m))
	case "json":
		data, err := mappings.CompileJSON([]*mappings.Mapping{m})
		if err != nil {
			fmt.Fprintf(stderr, "airshift explain: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stdout, "%s\n", data)
	default:
		fmt.Fprintf(stderr, "airshift explain: unknown --format %q; use markdown or json\n", *format)
		return exitError
	}
	return exitClean
}
