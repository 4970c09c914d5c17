package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/airshift/airshift/analysis/config"
	"github.com/airshift/airshift/mappings"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// commonFlags are the flags every subcommand takes.
type commonFlags struct {
	mappings stringList
	workPool string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.mappings, "mappings", "extra mapping document or folder of documents (repeatable)")
	fs.StringVar(&c.workPool, "work-pool", "", "Kubernetes work pool name used in rewrites (default \"kubernetes-pool\")")
}

// workPoolName matches the work pool names the rewrites accept: they are
// pasted into shell commands in the generated comments, so only characters
// that need no quoting there are allowed.
var workPoolName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// applyConfig finds the [tool.airshift] configuration of the first path
// (or of the current folder) and merges it under the flags: a flag set on
// the command line wins over the file.
func (c *commonFlags) applyConfig(paths []string) (*config.Config, error) {
	start := "."
	if len(paths) > 0 {
		start = paths[0]
	}
	cfg, err := config.Find(start)
	if err != nil || cfg == nil {
		return nil, err
	}
	c.mappings = append(append(stringList{}, cfg.Mappings...), c.mappings...)
	if c.workPool == "" {
		c.workPool = cfg.WorkPool
	}
	return cfg, nil
}

// enabledFor returns the rule filter of cfg for one file, or nil.
func enabledFor(cfg *config.Config, path string) func(string) bool {
	if cfg == nil {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return func(rule string) bool { return cfg.Enabled(rule, abs) }
}

func (c *commonFlags) validate() error {
	if c.workPool != "" && !workPoolName.MatchString(c.workPool) {
		return fmt.Errorf("invalid --work-pool %q: use letters, digits, dots, dashes and underscores", c.workPool)
	}
	return nil
}

// parseStatus is the exit status after a flag parse error: 0 for -h, whose
// usage text the flag package has printed, 2 otherwise.
func parseStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitClean
	}
	return exitError
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, as in "airshift check dags/ --format json".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// loadRegistry loads the built-in mappings and the extra documents. A broken
// extra document is reported and skipped; the others still load.
func loadRegistry(paths []string, stderr io.Writer) (*mappings.Registry, bool) {
	reg, err := mappings.Load(paths)
	if reg == nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return nil, false
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "airshift: mapping skipped: %s\n", line)
		}
		return reg, false
	}
	return reg, true
}

func newFlagSet(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: airshift %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// flagSet reports whether the command line set the flag called name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
