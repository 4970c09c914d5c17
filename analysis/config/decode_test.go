package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// configErrors returns every *Error in err, failing the test when err holds
// anything else.
func configErrors(t *testing.T, err error) []*Error {
	t.Helper()

	var all []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		all = joined.Unwrap()
	} else {
		all = []error{err}
	}

	problems := make([]*Error, 0, len(all))
	for _, one := range all {
		var problem *Error
		if !errors.As(one, &problem) {
			t.Fatalf("error %q (%T) is not an *Error", one, one)
		}
		problems = append(problems, problem)
	}
	return problems
}

// wantProblem describes one expected *Error. A zero Column is not checked.
type wantProblem struct {
	line    int
	column  int
	key     string
	message string // a substring of Message
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		fileName string
		contents string
		want     []wantProblem
	}{
		{
			name:     "bad TOML in airshift.toml",
			fileName: FileName,
			contents: "work-pool = \"a\"\nselect = [\"AS1\"\nignore = []\n",
			want:     []wantProblem{{line: 3, message: "invalid TOML: "}},
		},
		{
			name:     "bad TOML in pyproject",
			fileName: PyprojectName,
			contents: "[project]\nname = etl\n",
			want:     []wantProblem{{line: 2, message: "invalid TOML: "}},
		},
		{
			name:     "duplicate key",
			fileName: FileName,
			contents: "work-pool = \"a\"\nwork-pool = \"b\"\n",
			want:     []wantProblem{{line: 2, message: "invalid TOML: "}},
		},
		{
			name:     "snake_case key",
			fileName: PyprojectName,
			contents: "[project]\nname = \"etl\"\n\n[tool.airshift]\nwork_pool = \"a\"\n",
			want: []wantProblem{{line: 5, key: "work_pool",
				message: `unknown key "work_pool" in [tool.airshift] (did you mean "work-pool"?)`}},
		},
		{
			name:     "unknown key lists known keys",
			fileName: FileName,
			contents: "workpool = \"a\"\n",
			want: []wantProblem{{line: 1, key: "workpool",
				message: `unknown key "workpool", expected one of: work-pool, select, ignore, per-file-ignores, mappings, unsafe-fixes`}},
		},
		{
			name:     "every unknown key reported",
			fileName: FileName,
			contents: "extend-select = [\"AS1\"]\nwork-pool = \"a\"\n\n[lint]\nselect = [\"AS1\"]\n",
			want: []wantProblem{
				{line: 1, key: "extend-select", message: `unknown key "extend-select"`},
				{line: 4, key: "lint", message: `unknown key "lint"`},
			},
		},
		{
			name:     "unknown dotted key",
			fileName: PyprojectName,
			contents: "[tool.airshift]\nwork-pool = \"a\"\nlint.select = [\"AS1\"]\n",
			want:     []wantProblem{{line: 3, key: "lint", message: `unknown key "lint" in [tool.airshift]`}},
		},
		{
			name:     "unknown subtable",
			fileName: PyprojectName,
			contents: "[tool.airshift]\nwork-pool = \"a\"\n\n[tool.airshift.lint]\nselect = [\"AS1\"]\n",
			want:     []wantProblem{{line: 4, key: "lint", message: `unknown key "lint" in [tool.airshift]`}},
		},
		{
			name:     "airshift table not a table",
			fileName: PyprojectName,
			contents: "[tool]\nairshift = true\n",
			want:     []wantProblem{{line: 2, message: "[tool.airshift] must be a table of settings, not a boolean"}},
		},
		{
			name:     "work-pool integer",
			fileName: FileName,
			contents: "work-pool = 5\n",
			want:     []wantProblem{{line: 1, column: 13, key: "work-pool", message: `"work-pool" must be a string, not an integer`}},
		},
		{
			name:     "work-pool empty",
			fileName: FileName,
			contents: "work-pool = \"  \"\n",
			want:     []wantProblem{{line: 1, key: "work-pool", message: `"work-pool" must name a work pool, not be empty`}},
		},
		{
			name:     "select string",
			fileName: PyprojectName,
			contents: "[tool.airshift]\nselect = \"AS1\"\n",
			want: []wantProblem{{line: 2, key: "select",
				message: `"select" must be an array of rule codes such as ["AS1"], not a string`}},
		},
		{
			name:     "select integer entry",
			fileName: FileName,
			contents: "select = [\"AS1\", 101]\n",
			want:     []wantProblem{{line: 1, key: "select", message: `"select" entry 2 must be a string, not an integer`}},
		},
		{
			name:     "select lowercase code",
			fileName: FileName,
			contents: "select = [\"as101\"]\n",
			want: []wantProblem{{line: 1, key: "select",
				message: `"select" entry "as101" is not a rule code or prefix, expected "AS" and up to three digits`}},
		},
		{
			name:     "ignore other linter code",
			fileName: FileName,
			contents: "ignore = [\"E501\"]\n",
			want:     []wantProblem{{line: 1, key: "ignore", message: `"ignore" entry "E501" is not a rule code or prefix`}},
		},
		{
			name:     "ignore table",
			fileName: FileName,
			contents: "[ignore]\nAS101 = true\n",
			want:     []wantProblem{{line: 1, key: "ignore", message: `"ignore" must be an array of rule codes such as ["AS1"], not a table`}},
		},
		{
			name:     "per-file-ignores array",
			fileName: FileName,
			contents: "per-file-ignores = [\"dags/**\"]\n",
			want: []wantProblem{{line: 1, key: "per-file-ignores",
				message: `"per-file-ignores" must be a table of glob patterns to rule codes`}},
		},
		{
			name:     "per-file-ignores string codes",
			fileName: PyprojectName,
			contents: "[tool.airshift.per-file-ignores]\n\"dags/**\" = [\"AS1\"]\n\"*_test.py\" = \"AS1\"\n",
			want: []wantProblem{{line: 3, key: `per-file-ignores."*_test.py"`,
				message: `"per-file-ignores" pattern "*_test.py" must be an array of rule codes such as ["AS1"], not a string`}},
		},
		{
			name:     "per-file-ignores bad code",
			fileName: FileName,
			contents: "per-file-ignores = { \"dags/**\" = [\"AS1x\"] }\n",
			want: []wantProblem{{line: 1, key: `per-file-ignores."dags/**"`,
				message: `"per-file-ignores" pattern "dags/**" entry "AS1x" is not a rule code or prefix`}},
		},
		{
			name:     "per-file-ignores malformed glob",
			fileName: FileName,
			contents: "[per-file-ignores]\n\"dags/[a-.py\" = [\"AS1\"]\n",
			want: []wantProblem{{line: 2, key: `per-file-ignores."dags/[a-.py"`,
				message: `"per-file-ignores" pattern "dags/[a-.py" is invalid: malformed glob segment "[a-.py"`}},
		},
		{
			name:     "per-file-ignores negated pattern",
			fileName: FileName,
			contents: "[per-file-ignores]\n\"!dags/**\" = [\"AS1\"]\n",
			want:     []wantProblem{{line: 2, key: `per-file-ignores."!dags/**"`, message: `negated patterns ("!") are not supported`}},
		},
		{
			name:     "per-file-ignores absolute pattern",
			fileName: FileName,
			contents: "[per-file-ignores]\n\"/srv/dags/**\" = [\"AS1\"]\n",
			want:     []wantProblem{{line: 2, key: `per-file-ignores."/srv/dags/**"`, message: "a pattern must be relative to the folder of the configuration file"}},
		},
		{
			name:     "per-file-ignores parent pattern",
			fileName: FileName,
			contents: "[per-file-ignores]\n\"../dags/**\" = [\"AS1\"]\n",
			want:     []wantProblem{{line: 2, key: `per-file-ignores."../dags/**"`, message: "a pattern must not reach outside the folder of the configuration file"}},
		},
		{
			name:     "per-file-ignores empty pattern",
			fileName: FileName,
			contents: "[per-file-ignores]\n\"\" = [\"AS1\"]\n",
			want:     []wantProblem{{line: 2, key: `per-file-ignores.""`, message: "a pattern must not be empty"}},
		},
		{
			name:     "mappings string",
			fileName: FileName,
			contents: "mappings = \"mappings\"\n",
			want: []wantProblem{{line: 1, key: "mappings",
				message: `"mappings" must be an array of paths such as ["mappings"], not a string`}},
		},
		{
			name:     "mappings empty entry",
			fileName: FileName,
			contents: "mappings = [\"a.md\", \"\"]\n",
			want:     []wantProblem{{line: 1, key: "mappings", message: `"mappings" entry 2 is empty`}},
		},
		{
			name:     "mappings boolean entry",
			fileName: FileName,
			contents: "mappings = [true]\n",
			want:     []wantProblem{{line: 1, key: "mappings", message: `"mappings" entry 1 must be a string, not a boolean`}},
		},
		{
			name:     "unsafe-fixes string",
			fileName: PyprojectName,
			contents: "[tool.airshift]\n\nunsafe-fixes = \"yes\"\n",
			want: []wantProblem{{line: 3, key: "unsafe-fixes",
				message: `"unsafe-fixes" must be true or false, not a string`}},
		},
		{
			name:     "unsafe-fixes date",
			fileName: FileName,
			contents: "unsafe-fixes = 2024-01-01\n",
			want:     []wantProblem{{line: 1, key: "unsafe-fixes", message: `not a date-time`}},
		},
		{
			name:     "several problems in file order",
			fileName: PyprojectName,
			contents: "[tool.airshift]\nwork-pool = 1\nselect = [\"AS1\"]\nignore = \"AS2\"\ncolour = \"blue\"\nunsafe-fixes = 1\n",
			want: []wantProblem{
				{line: 2, key: "work-pool", message: `"work-pool" must be a string`},
				{line: 4, key: "ignore", message: `"ignore" must be an array`},
				{line: 5, key: "colour", message: `unknown key "colour"`},
				{line: 6, key: "unsafe-fixes", message: `"unsafe-fixes" must be true or false`},
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{tt.fileName: tt.contents})
			path := filepath.Join(dir, tt.fileName)

			cfg, err := Load(path)
			if err == nil {
				t.Fatalf("Load returned %s and no error", describe(cfg))
			}
			if cfg != nil {
				t.Errorf("Load returned a configuration with the error: %s", describe(cfg))
			}

			problems := configErrors(t, err)
			if len(problems) != len(tt.want) {
				t.Fatalf("Load returned %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for i, want := range tt.want {
				got := problems[i]
				if got.Path != path {
					t.Errorf("problem %d: Path = %s, want %s", i, got.Path, path)
				}
				if got.Line != want.line {
					t.Errorf("problem %d: Line = %d, want %d (%v)", i, got.Line, want.line, got)
				}
				if want.column != 0 && got.Column != want.column {
					t.Errorf("problem %d: Column = %d, want %d (%v)", i, got.Column, want.column, got)
				}
				if got.Key != want.key {
					t.Errorf("problem %d: Key = %q, want %q", i, got.Key, want.key)
				}
				if !strings.Contains(got.Message, want.message) {
					t.Errorf("problem %d: Message = %q, want it to contain %q", i, got.Message, want.message)
				}
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		problem Error
		want    string
	}{
		{Error{Path: "/p/airshift.toml", Line: 3, Column: 7, Message: "m"}, "/p/airshift.toml:3:7: m"},
		{Error{Path: "/p/airshift.toml", Line: 3, Message: "m"}, "/p/airshift.toml:3: m"},
		{Error{Path: "/p/airshift.toml", Message: "m"}, "/p/airshift.toml: m"},
	}
	for _, tt := range tests {
		if got := tt.problem.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestLoadErrorMessageNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{PyprojectName: "[tool.airshift]\nselect = [1]\n"})
	path := filepath.Join(dir, PyprojectName)

	_, err := Load(path)
	want := path + `:2:11: "select" entry 1 must be a string, not an integer`
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}
