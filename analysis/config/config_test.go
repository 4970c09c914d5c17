package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeFiles creates each file under root, with its parent folders. A name
// ending in "/" creates an empty folder.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, contents := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if name[len(name)-1] == '/' {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(contents), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ancestorHasConfig reports whether a folder above dir holds a file that Find
// would read, which would make "no configuration" cases find it.
func ancestorHasConfig(dir string) bool {
	for {
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
		for _, name := range []string{FileName, PyprojectName} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return true
			}
		}
	}
}

const poolA = "work-pool = \"a\"\n"

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		start string
		want  string // configuration file relative to the root, or "" for none
	}{
		{
			name:  "airshift.toml beside file",
			files: map[string]string{"dags/airshift.toml": poolA, "dags/etl.py": ""},
			start: "dags/etl.py",
			want:  "dags/airshift.toml",
		},
		{
			name:  "pyproject in parent",
			files: map[string]string{"pyproject.toml": "[tool.airshift]\n" + poolA, "dags/etl.py": ""},
			start: "dags/etl.py",
			want:  "pyproject.toml",
		},
		{
			name: "airshift.toml wins in same folder",
			files: map[string]string{
				"pyproject.toml": "[tool.airshift]\n" + poolA,
				"airshift.toml":  poolA,
				"dags/etl.py":    "",
			},
			start: "dags/etl.py",
			want:  "airshift.toml",
		},
		{
			name: "pyproject without table skipped",
			files: map[string]string{
				"airshift.toml":         poolA,
				"proj/pyproject.toml":   "[project]\nname = \"etl\"\n\n[tool.ruff]\nline-length = 100\n",
				"proj/dags/sub/deep.py": "",
			},
			start: "proj/dags/sub/deep.py",
			want:  "airshift.toml",
		},
		{
			name: "nearer pyproject beats farther airshift.toml",
			files: map[string]string{
				"airshift.toml":       poolA,
				"proj/pyproject.toml": "[tool.airshift]\n" + poolA,
				"proj/dags/etl.py":    "",
			},
			start: "proj/dags/etl.py",
			want:  "proj/pyproject.toml",
		},
		{
			name: "nearest of nested airshift.toml files",
			files: map[string]string{
				"airshift.toml":           poolA,
				"proj/airshift.toml":      poolA,
				"proj/dags/airshift.toml": poolA,
				"proj/dags/etl.py":        "",
			},
			start: "proj/dags/etl.py",
			want:  "proj/dags/airshift.toml",
		},
		{
			name:  "dotted tool.airshift keys count",
			files: map[string]string{"pyproject.toml": "tool.airshift.work-pool = \"a\"\n", "etl.py": ""},
			start: "etl.py",
			want:  "pyproject.toml",
		},
		{
			name:  "empty airshift.toml counts",
			files: map[string]string{"airshift.toml": "", "proj/pyproject.toml": "[project]\n", "proj/etl.py": ""},
			start: "proj/etl.py",
			want:  "airshift.toml",
		},
		{
			name:  "start is a folder",
			files: map[string]string{"proj/airshift.toml": poolA, "proj/dags/": ""},
			start: "proj/dags",
			want:  "proj/airshift.toml",
		},
		{
			name:  "start folder holds config",
			files: map[string]string{"proj/airshift.toml": poolA, "proj/dags/etl.py": ""},
			start: "proj",
			want:  "proj/airshift.toml",
		},
		{
			name:  "unsaved file in folder",
			files: map[string]string{"proj/airshift.toml": poolA, "proj/dags/": ""},
			start: "proj/dags/new.py",
			want:  "proj/airshift.toml",
		},
		{
			name:  "path below a regular file",
			files: map[string]string{"proj/airshift.toml": poolA, "proj/notes.txt": ""},
			start: "proj/notes.txt/child.py",
			want:  "proj/airshift.toml",
		},
		{
			name:  "airshift.toml folder skipped",
			files: map[string]string{"proj/airshift.toml/": "", "pyproject.toml": "[tool.airshift]\n", "proj/etl.py": ""},
			start: "proj/etl.py",
			want:  "pyproject.toml",
		},
		{
			name:  "tool not a table skipped",
			files: map[string]string{"airshift.toml": poolA, "proj/pyproject.toml": "tool = \"x\"\n", "proj/etl.py": ""},
			start: "proj/etl.py",
			want:  "airshift.toml",
		},
		{
			name:  "no configuration",
			files: map[string]string{"proj/pyproject.toml": "[project]\n", "proj/etl.py": ""},
			start: "proj/etl.py",
			want:  "",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			if tt.want == "" && ancestorHasConfig(root) {
				t.Skipf("a folder above %s has a configuration file", root)
			}

			cfg, err := Find(filepath.Join(root, filepath.FromSlash(tt.start)))
			if err != nil {
				t.Fatalf("Find: %v", err)
			}

			if tt.want == "" {
				if cfg != nil {
					t.Fatalf("Find returned %s, want no configuration", cfg.Path)
				}
				return
			}
			if cfg == nil {
				t.Fatalf("Find returned no configuration, want %s", tt.want)
			}
			wantPath := filepath.Join(root, filepath.FromSlash(tt.want))
			if cfg.Path != wantPath {
				t.Errorf("Path = %s, want %s", cfg.Path, wantPath)
			}
			if cfg.Dir != filepath.Dir(wantPath) {
				t.Errorf("Dir = %s, want %s", cfg.Dir, filepath.Dir(wantPath))
			}
		})
	}
}

func TestFindRelativeStart(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"airshift.toml": poolA, "dags/etl.py": ""})
	t.Chdir(root)

	cfg, err := Find("dags/etl.py")
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	if cfg == nil {
		t.Fatal("Find returned no configuration")
	}
	if want := filepath.Join(root, FileName); cfg.Path != want {
		t.Errorf("Path = %s, want %s", cfg.Path, want)
	}
}

func TestFindStopsAtInvalidFile(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
	}{
		{
			name: "invalid pyproject without table",
			files: map[string]string{
				"airshift.toml":       poolA,
				"proj/pyproject.toml": "[project\nname = 1\n",
				"proj/etl.py":         "",
			},
		},
		{
			name: "invalid airshift.toml",
			files: map[string]string{
				"pyproject.toml":     "[tool.airshift]\n" + poolA,
				"proj/airshift.toml": "select = [\"AS1\"\n",
				"proj/etl.py":        "",
			},
		},
		{
			name: "unknown key in nearest config",
			files: map[string]string{
				"airshift.toml":       poolA,
				"proj/pyproject.toml": "[tool.airshift]\nwork_pool = \"a\"\n",
				"proj/etl.py":         "",
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)

			cfg, err := Find(filepath.Join(root, "proj", "etl.py"))
			if err == nil {
				t.Fatalf("Find returned %+v and no error", cfg)
			}
			if cfg != nil {
				t.Errorf("Find returned a configuration with the error: %+v", cfg)
			}
			problems := configErrors(t, err)
			if dir := filepath.Join(root, "proj"); filepath.Dir(problems[0].Path) != dir {
				t.Errorf("error path = %s, want a file in %s", problems[0].Path, dir)
			}
		})
	}
}

func TestLoadSettings(t *testing.T) {
	yes, no := true, false

	tests := []struct {
		name     string
		fileName string
		contents string
		want     func(dir string) Config
	}{
		{
			name:     "pyproject every key",
			fileName: PyprojectName,
			contents: `[project]
name = "etl"

[tool.ruff]
select = ["E"]

[tool.airshift]
work-pool = "k8s-prod"
select = ["AS1"]
ignore = ["AS107", "AS106"]
mappings = ["mappings/acme.md", "../shared/mappings", "/opt/airshift/mappings"]
unsafe-fixes = true

[tool.airshift.per-file-ignores]
"dags/legacy/**" = ["AS1"]
"*_test.py" = ["AS"]
`,
			want: func(dir string) Config {
				return Config{
					WorkPool: "k8s-prod",
					Select:   []string{"AS1"},
					Ignore:   []string{"AS107", "AS106"},
					PerFileIgnores: map[string][]string{
						"dags/legacy/**": {"AS1"},
						"*_test.py":      {"AS"},
					},
					Mappings: []string{
						filepath.Join(dir, "mappings", "acme.md"),
						filepath.Join(filepath.Dir(dir), "shared", "mappings"),
						filepath.FromSlash("/opt/airshift/mappings"),
					},
					UnsafeFixes: &yes,
				}
			},
		},
		{
			name:     "airshift.toml every key",
			fileName: FileName,
			contents: `work-pool = "k8s-prod"
select = ["AS101", "AS102"]
ignore = []
per-file-ignores = { "dags/*.py" = ["AS101"] }
mappings = ["./mappings/"]
unsafe-fixes = false
`,
			want: func(dir string) Config {
				return Config{
					WorkPool:       "k8s-prod",
					Select:         []string{"AS101", "AS102"},
					Ignore:         []string{},
					PerFileIgnores: map[string][]string{"dags/*.py": {"AS101"}},
					Mappings:       []string{filepath.Join(dir, "mappings")},
					UnsafeFixes:    &no,
				}
			},
		},
		{
			name:     "empty select kept",
			fileName: FileName,
			contents: "select = []\n",
			want: func(string) Config {
				return Config{Select: []string{}}
			},
		},
		{
			name:     "empty airshift.toml",
			fileName: FileName,
			contents: "# no settings yet\n",
			want:     func(string) Config { return Config{} },
		},
		{
			name:     "empty airshift table",
			fileName: PyprojectName,
			contents: "[tool.airshift]\n",
			want:     func(string) Config { return Config{} },
		},
		{
			name:     "pyproject without table",
			fileName: PyprojectName,
			contents: "[project]\nname = \"etl\"\n",
			want:     func(string) Config { return Config{} },
		},
		{
			name:     "other tools keep their keys",
			fileName: PyprojectName,
			contents: "[tool.ruff]\nwork_pool = 1\n\n[tool.airshift]\nwork-pool = \"p\"\n",
			want:     func(string) Config { return Config{WorkPool: "p"} },
		},
		{
			name:     "tool not a table",
			fileName: PyprojectName,
			contents: "tool = 1\n",
			want:     func(string) Config { return Config{} },
		},
		{
			name:     "dotted keys",
			fileName: PyprojectName,
			contents: "tool.airshift.select = [\"AS10\"]\ntool.airshift.per-file-ignores.\"a.py\" = [\"AS101\"]\n",
			want: func(string) Config {
				return Config{Select: []string{"AS10"}, PerFileIgnores: map[string][]string{"a.py": {"AS101"}}}
			},
		},
		{
			name:     "empty per-file-ignores",
			fileName: FileName,
			contents: "per-file-ignores = {}\nmappings = []\n",
			want: func(string) Config {
				return Config{PerFileIgnores: map[string][]string{}, Mappings: []string{}}
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "proj")
			writeFiles(t, dir, map[string]string{tt.fileName: tt.contents})
			path := filepath.Join(dir, tt.fileName)

			cfg, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}

			want := tt.want(dir)
			want.Path = path
			want.Dir = dir
			if !reflect.DeepEqual(*cfg, want) {
				t.Errorf("Load returned\n%s\nwant\n%s", describe(cfg), describe(&want))
			}
		})
	}
}

func TestLoadRelativePath(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"proj/airshift.toml": "mappings = [\"maps\"]\n"})
	t.Chdir(root)

	cfg, err := Load(filepath.Join("proj", FileName))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := filepath.Join(root, "proj", FileName); cfg.Path != want {
		t.Errorf("Path = %s, want %s", cfg.Path, want)
	}
	if want := []string{filepath.Join(root, "proj", "maps")}; !reflect.DeepEqual(cfg.Mappings, want) {
		t.Errorf("Mappings = %q, want %q", cfg.Mappings, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if _, err := Load(path); !os.IsNotExist(err) {
		t.Errorf("Load of a missing file returned %v, want a not-exist error", err)
	}
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load(filepath.Join("testdata", "pyproject.toml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	if cfg.WorkPool != "k8s-prod" {
		t.Errorf("WorkPool = %q, want k8s-prod", cfg.WorkPool)
	}
	if cfg.UnsafeFixes == nil || *cfg.UnsafeFixes {
		t.Errorf("UnsafeFixes = %v, want false", cfg.UnsafeFixes)
	}
	if !cfg.Enabled("AS101", filepath.Join(cfg.Dir, "dags", "etl.py")) {
		t.Error("AS101 disabled in dags/etl.py, want enabled")
	}
	if cfg.Enabled("AS101", filepath.Join(cfg.Dir, "dags", "legacy", "old.py")) {
		t.Error("AS101 enabled in dags/legacy/old.py, want ignored")
	}
	if cfg.Enabled("AS107", filepath.Join(cfg.Dir, "dags", "etl.py")) {
		t.Error("AS107 enabled, want ignored")
	}
}

func describe(cfg *Config) string {
	unsafe := "<nil>"
	if cfg.UnsafeFixes != nil {
		unsafe = fmt.Sprint(*cfg.UnsafeFixes)
	}
	return fmt.Sprintf("%+v (unsafe-fixes %s)", *cfg, unsafe)
}
