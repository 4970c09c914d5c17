package config

import (
	"path/filepath"
	"testing"
)

func TestEnabledSelection(t *testing.T) {
	tests := []struct {
		name     string
		selected []string
		ignore   []string
		rule     string
		want     bool
	}{
		{name: "no select enables all", rule: "AS101", want: true},
		{name: "no select enables syntax rule", rule: "AS001", want: true},
		{name: "prefix selects family", selected: []string{"AS1"}, rule: "AS105", want: true},
		{name: "prefix leaves others", selected: []string{"AS1"}, rule: "AS001", want: false},
		{name: "AS selects every rule", selected: []string{"AS"}, rule: "AS001", want: true},
		{name: "exact code selects", selected: []string{"AS101"}, rule: "AS101", want: true},
		{name: "exact code leaves sibling", selected: []string{"AS101"}, rule: "AS102", want: false},
		{name: "several selections", selected: []string{"AS101", "AS00"}, rule: "AS001", want: true},
		{name: "empty select disables all", selected: []string{}, rule: "AS101", want: false},
		{name: "ignore without select", ignore: []string{"AS107"}, rule: "AS107", want: false},
		{name: "ignore without select leaves others", ignore: []string{"AS107"}, rule: "AS106", want: true},
		{name: "ignore prefix without select", ignore: []string{"AS1"}, rule: "AS103", want: false},
		{name: "ignore AS disables all", ignore: []string{"AS"}, rule: "AS001", want: false},
		{name: "specific ignore beats prefix select", selected: []string{"AS1"}, ignore: []string{"AS103"}, rule: "AS103", want: false},
		{name: "specific ignore leaves siblings", selected: []string{"AS1"}, ignore: []string{"AS103"}, rule: "AS104", want: true},
		{name: "specific select beats prefix ignore", selected: []string{"AS101"}, ignore: []string{"AS1"}, rule: "AS101", want: true},
		{name: "prefix ignore disables unselected sibling", selected: []string{"AS101"}, ignore: []string{"AS1"}, rule: "AS102", want: false},
		{name: "ignore wins a tie", selected: []string{"AS1"}, ignore: []string{"AS1"}, rule: "AS101", want: false},
		{name: "longest select counts", selected: []string{"AS", "AS10"}, ignore: []string{"AS1"}, rule: "AS105", want: true},
		{name: "longest select counts outside it", selected: []string{"AS", "AS10"}, ignore: []string{"AS1"}, rule: "AS110", want: false},
		{name: "ignore of other rule", selected: []string{"AS1"}, ignore: []string{"AS0"}, rule: "AS101", want: true},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &Config{Dir: t.TempDir(), Select: tt.selected, Ignore: tt.ignore}
			if got := cfg.Enabled(tt.rule, ""); got != tt.want {
				t.Errorf("Enabled(%s) with select %q, ignore %q = %v, want %v", tt.rule, tt.selected, tt.ignore, got, tt.want)
			}
		})
	}
}

func TestEnabledNilConfig(t *testing.T) {
	var cfg *Config
	if !cfg.Enabled("AS101", "dags/etl.py") {
		t.Error("nil Config disabled AS101, want every rule enabled")
	}
}

func TestEnabledPerFileIgnores(t *testing.T) {
	ignores := map[string][]string{
		"dags/legacy/**":        {"AS1"},
		"*_test.py":             {"AS"},
		"dags/*.py":             {"AS107"},
		"**/generated/*.py":     {"AS106"},
		"./scripts/run.py":      {"AS101"},
		"jobs/**/k8s/**/*.py":   {"AS104"},
		"tools/gen_[0-9].py":    {"AS102"},
		"dags/nightly?.py":      {"AS103"},
		"examples/**/**/*.py":   {"AS105"},
		"exact/dag.py":          {"AS101"},
		"exact/dag.py/**":       {"AS102"},
		"contrib/**/operators/": {"AS103"},
	}

	tests := []struct {
		name string
		rule string
		file string // relative to the configuration folder
		want bool
	}{
		{name: "double star direct child", rule: "AS101", file: "dags/legacy/etl.py", want: false},
		{name: "double star deep child", rule: "AS104", file: "dags/legacy/2019/q1/etl.py", want: false},
		{name: "double star lists only its codes", rule: "AS001", file: "dags/legacy/etl.py", want: true},
		{name: "sibling folder not matched", rule: "AS101", file: "dags/current/etl.py", want: true},
		{name: "file named like folder not matched", rule: "AS101", file: "dags/legacy.py", want: true},
		{name: "folder prefix not matched", rule: "AS101", file: "dags/legacy_v2/etl.py", want: true},
		{name: "basename pattern at root", rule: "AS001", file: "etl_test.py", want: false},
		{name: "basename pattern in any folder", rule: "AS101", file: "dags/sub/etl_test.py", want: false},
		{name: "basename pattern needs suffix", rule: "AS101", file: "dags/test_etl.py", want: true},
		{name: "single star one level", rule: "AS107", file: "dags/factory.py", want: false},
		{name: "single star not deeper", rule: "AS107", file: "dags/sub/factory.py", want: true},
		{name: "single star other rule", rule: "AS106", file: "dags/factory.py", want: true},
		{name: "leading double star zero folders", rule: "AS106", file: "generated/a.py", want: false},
		{name: "leading double star several folders", rule: "AS106", file: "a/b/generated/c.py", want: false},
		{name: "leading double star wrong folder", rule: "AS106", file: "a/b/generate/c.py", want: true},
		{name: "dot slash pattern", rule: "AS101", file: "scripts/run.py", want: false},
		{name: "double star in middle", rule: "AS104", file: "jobs/team/a/k8s/pods/x.py", want: false},
		{name: "double star in middle zero folders", rule: "AS104", file: "jobs/k8s/x.py", want: false},
		{name: "double star in middle needs folder", rule: "AS104", file: "jobs/team/x.py", want: true},
		{name: "character class", rule: "AS102", file: "tools/gen_7.py", want: false},
		{name: "character class miss", rule: "AS102", file: "tools/gen_x.py", want: true},
		{name: "question mark", rule: "AS103", file: "dags/nightly2.py", want: false},
		{name: "question mark one character", rule: "AS103", file: "dags/nightly.py", want: true},
		{name: "repeated double star", rule: "AS105", file: "examples/a.py", want: false},
		{name: "exact path", rule: "AS101", file: "exact/dag.py", want: false},
		{name: "exact path elsewhere", rule: "AS101", file: "other/exact/dag.py", want: true},
		{name: "trailing double star matches path", rule: "AS102", file: "exact/dag.py", want: false},
		{name: "trailing slash cleaned", rule: "AS103", file: "contrib/x/operators", want: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := &Config{Dir: dir, PerFileIgnores: ignores}
			file := filepath.Join(dir, filepath.FromSlash(tt.file))
			if got := cfg.Enabled(tt.rule, file); got != tt.want {
				t.Errorf("Enabled(%s, %s) = %v, want %v", tt.rule, tt.file, got, tt.want)
			}
		})
	}
}

func TestEnabledPerFileIgnoresOutsideDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	cfg := &Config{Dir: dir, PerFileIgnores: map[string][]string{
		"dags/**":   {"AS101"},
		"*_test.py": {"AS102"},
	}}

	outside := filepath.Join(root, "dags", "etl_test.py")
	if !cfg.Enabled("AS101", outside) {
		t.Error(`"dags/**" ignored AS101 in a file outside the configuration folder`)
	}
	if cfg.Enabled("AS102", outside) {
		t.Error(`"*_test.py" did not ignore AS102 in a file outside the configuration folder`)
	}
	if cfg.Enabled("AS101", filepath.Join(dir, "dags", "etl.py")) {
		t.Error(`"dags/**" did not ignore AS101 inside the configuration folder`)
	}
}

func TestEnabledRelativeFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := &Config{Dir: dir, PerFileIgnores: map[string][]string{"dags/legacy/**": {"AS1"}}}

	if cfg.Enabled("AS101", filepath.Join("dags", "legacy", "etl.py")) {
		t.Error("relative path under dags/legacy kept AS101, want it ignored")
	}
	if !cfg.Enabled("AS101", filepath.Join("dags", "etl.py")) {
		t.Error("relative path dags/etl.py lost AS101, want it enabled")
	}
}

func TestEnabledSelectionAndFile(t *testing.T) {
	dir := t.TempDir()
	cfg := &Config{
		Dir:            dir,
		Select:         []string{"AS101"},
		PerFileIgnores: map[string][]string{"dags/legacy/**": {"AS1"}},
	}

	if cfg.Enabled("AS101", filepath.Join(dir, "dags", "legacy", "etl.py")) {
		t.Error("per-file ignore did not override the selection of AS101")
	}
	if !cfg.Enabled("AS101", filepath.Join(dir, "dags", "etl.py")) {
		t.Error("AS101 disabled outside dags/legacy, want enabled")
	}
	if cfg.Enabled("AS102", filepath.Join(dir, "dags", "etl.py")) {
		t.Error("AS102 enabled though select lists only AS101")
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern string
		name    string
		want    bool
	}{
		{"**", "a", true},
		{"**", "a/b/c", true},
		{"a/**", "a", true},
		{"a/**", "a/b", true},
		{"a/**", "b/a", false},
		{"**/b", "b", true},
		{"**/b", "a/x/b", true},
		{"**/b", "a/x/bc", false},
		{"a/**/b/**/c", "a/b/c", true},
		{"a/**/b/**/c", "a/1/2/b/3/c", true},
		{"a/**/b/**/c", "a/1/2/c", false},
		{"*.py", "a.py", true},
		{"*.py", "a/b.py", false},
		{"a*b", "a/b", false},
		{"a**b", "axyb", true},
		{"[", "[", false},
		{"a/[", "a/[", false},
	}

	for _, tt := range tests {
		if got := matchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
