package config

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// knownKeys lists the settings in the order of the package documentation.
var knownKeys = []string{"work-pool", "select", "ignore", "per-file-ignores", "mappings", "unsafe-fixes"}

// ruleCodePattern accepts a full rule code such as AS101 or a prefix of one,
// down to "AS", which selects every Airshift rule. Every Airshift code is "AS"
// and three digits, so a typo such as "AS1O1" or "as101" is rejected at load.
var ruleCodePattern = regexp.MustCompile(`^AS[0-9]{0,3}$`)

// parse decodes the settings in data, the contents of the file at configPath.
// found is false for a pyproject.toml without a [tool.airshift] table.
//
// Each key is held as a toml.Primitive and decoded on its own through a
// toml.Unmarshaler. The library then reports a failure as a toml.ParseError
// that carries the key's line, which toml.MetaData.Undecoded cannot give for
// unknown keys.
func parse(configPath string, data []byte) (cfg *Config, found bool, err error) {
	cfg = &Config{Path: configPath, Dir: filepath.Dir(configPath)}
	d := &decoder{path: configPath}

	var settings toml.Primitive
	if filepath.Base(configPath) == PyprojectName {
		var pyproject struct {
			Tool map[string]toml.Primitive `toml:"tool"`
		}
		d.metadata, err = toml.Decode(string(data), &pyproject)
		if err != nil {
			return nil, false, d.syntaxError(err)
		}

		// A `tool` key that is not a table leaves Tool nil, so it is skipped too.
		airshift, ok := pyproject.Tool["airshift"]
		if !ok {
			return cfg, false, nil
		}
		settings = airshift
		d.parent = toml.Key{"tool", "airshift"}
		d.tableName = "[tool.airshift]"
	} else {
		d.metadata, err = toml.Decode(string(data), &settings)
		if err != nil {
			return nil, false, d.syntaxError(err)
		}
	}

	table, ok := d.table(settings, nil, fmt.Sprintf("%s must be a table of settings", d.tableName))
	if ok {
		for _, name := range d.orderedKeys(nil, table) {
			d.setting(cfg, name, table[name])
		}
	}

	if len(d.errs) > 0 {
		return nil, true, errors.Join(d.errs...)
	}
	return cfg, true, nil
}

// decoder decodes the settings of one file and collects every problem in it.
type decoder struct {
	path     string
	metadata toml.MetaData

	// parent is the key of the settings table, {"tool", "airshift"} in a
	// pyproject.toml and empty in an airshift.toml.
	parent toml.Key

	// tableName names the settings table in messages, or is "" for the top level.
	tableName string

	errs []error
}

// setting decodes the key name into cfg, or records why it cannot.
func (d *decoder) setting(cfg *Config, name string, value toml.Primitive) {
	key := toml.Key{name}
	label := fmt.Sprintf("%q", name)

	switch name {
	case "work-pool":
		d.decode(value, key, func(data any) error {
			pool, ok := data.(string)
			if !ok {
				return fmt.Errorf("%s must be a string, not %s", label, typeName(data))
			}
			if strings.TrimSpace(pool) == "" {
				return fmt.Errorf("%s must name a work pool, not be empty", label)
			}
			cfg.WorkPool = pool
			return nil
		})

	case "select":
		d.decode(value, key, func(data any) (err error) {
			cfg.Select, err = ruleCodes(label, data)
			return err
		})

	case "ignore":
		d.decode(value, key, func(data any) (err error) {
			cfg.Ignore, err = ruleCodes(label, data)
			return err
		})

	case "per-file-ignores":
		d.perFileIgnores(cfg, value, key)

	case "mappings":
		d.decode(value, key, func(data any) (err error) {
			cfg.Mappings, err = mappingPaths(label, data, cfg.Dir)
			return err
		})

	case "unsafe-fixes":
		d.decode(value, key, func(data any) error {
			unsafe, ok := data.(bool)
			if !ok {
				return fmt.Errorf("%s must be true or false, not %s", label, typeName(data))
			}
			cfg.UnsafeFixes = &unsafe
			return nil
		})

	default:
		problem := d.check(value, key, func(any) error {
			return unknownKeyError(name, d.tableName)
		})
		if problem.Line == 0 {
			problem.Line, problem.Column = d.position(value, key)
		}
		d.errs = append(d.errs, problem)
	}
}

// position returns where the TOML parser places key. An implicit table, such
// as `extra` in `extra.x = 1`, has no position of its own, so it takes the
// position of its first entry in the file.
func (d *decoder) position(value toml.Primitive, key toml.Key) (line, column int) {
	problem := d.check(value, key, func(any) error { return errors.New("position lookup") })
	if problem.Line > 0 {
		return problem.Line, problem.Column
	}

	var entries map[string]toml.Primitive
	if err := d.metadata.PrimitiveDecode(value, &entries); err != nil || len(entries) == 0 {
		return 0, 0
	}
	first := d.orderedKeys(key, entries)[0]
	return d.position(entries[first], append(slices.Clone(key), first))
}

// perFileIgnores decodes the per-file-ignores table one pattern at a time,
// so that a problem is reported at the line of its pattern.
func (d *decoder) perFileIgnores(cfg *Config, value toml.Primitive, key toml.Key) {
	message := `"per-file-ignores" must be a table of glob patterns to rule codes, such as { "dags/legacy/**" = ["AS1"] }`
	table, ok := d.table(value, key, message)
	if !ok {
		return
	}

	cfg.PerFileIgnores = make(map[string][]string, len(table))
	for _, pattern := range d.orderedKeys(key, table) {
		label := fmt.Sprintf("%q pattern %q", "per-file-ignores", pattern)
		problem := d.check(table[pattern], append(slices.Clone(key), pattern), func(data any) error {
			if err := checkPattern(pattern); err != nil {
				return fmt.Errorf("%s is invalid: %v", label, err)
			}
			codes, err := ruleCodes(label, data)
			if err != nil {
				return err
			}
			cfg.PerFileIgnores[pattern] = codes
			return nil
		})
		if problem == nil {
			continue
		}

		// The parser records no position for an empty key (""), so such a
		// problem is placed at the table instead.
		if problem.Line == 0 {
			problem.Line, problem.Column = d.position(value, key)
		}
		d.errs = append(d.errs, problem)
	}
}

// unmarshalFunc adapts a function to toml.Unmarshaler, which receives the raw
// value: a string, int64, float64, bool, time.Time, []any or map[string]any.
type unmarshalFunc func(data any) error

func (f unmarshalFunc) UnmarshalTOML(data any) error { return f(data) }

// decode passes value to parse, records any error as an *Error at key, and
// reports whether parse succeeded. Keys are relative to the settings table.
func (d *decoder) decode(value toml.Primitive, key toml.Key, parse func(data any) error) bool {
	problem := d.check(value, key, parse)
	if problem != nil {
		d.errs = append(d.errs, problem)
	}
	return problem == nil
}

// check passes value to parse and returns its error, if any, as an *Error at
// the position of key.
func (d *decoder) check(value toml.Primitive, key toml.Key, parse func(data any) error) *Error {
	err := d.metadata.PrimitiveDecode(value, unmarshalFunc(parse))
	if err == nil {
		return nil
	}

	problem := &Error{Path: d.path, Key: key.String(), Message: err.Error()}
	var parseErr toml.ParseError
	if errors.As(err, &parseErr) {
		problem.Line = parseErr.Position.Line
		problem.Column = parseErr.Position.Col
		problem.Message = parseErr.Message
	}
	return problem
}

// table decodes value as a table whose entries stay undecoded, or records message.
func (d *decoder) table(value toml.Primitive, key toml.Key, message string) (map[string]toml.Primitive, bool) {
	isTable := d.decode(value, key, func(data any) error {
		if _, ok := data.(map[string]any); !ok {
			return fmt.Errorf("%s, not %s", message, typeName(data))
		}
		return nil
	})
	if !isTable {
		return nil, false
	}

	// The check above receives only raw values, so this second decode stores each
	// entry as a Primitive that keeps its own position for later messages.
	var entries map[string]toml.Primitive
	if err := d.metadata.PrimitiveDecode(value, &entries); err != nil {
		d.errs = append(d.errs, &Error{Path: d.path, Key: key.String(), Message: err.Error()})
		return nil, false
	}
	return entries, true
}

// orderedKeys returns the names in table, the table at key, in the order the
// file first mentions them, so that problems are reported from the top of the file down.
func (d *decoder) orderedKeys(key toml.Key, table map[string]toml.Primitive) []string {
	prefix := append(slices.Clone(d.parent), key...)
	names := make([]string, 0, len(table))
	for _, fileKey := range d.metadata.Keys() {
		// A descendant counts too, because the parser does not list an
		// implicit table such as `extra` in `extra.x = 1` by itself.
		if len(fileKey) <= len(prefix) || !slices.Equal(fileKey[:len(prefix)], prefix) {
			continue
		}
		name := fileKey[len(prefix)]
		if _, ok := table[name]; ok && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}

	// The parser lists every key it reads, so this only guards against a
	// library change that would otherwise drop a setting without a word.
	var unlisted []string
	for name := range table {
		if !slices.Contains(names, name) {
			unlisted = append(unlisted, name)
		}
	}
	slices.Sort(unlisted)
	return append(names, unlisted...)
}

// syntaxError converts an error from toml.Decode into an *Error with its position.
func (d *decoder) syntaxError(err error) error {
	var parseErr toml.ParseError
	if !errors.As(err, &parseErr) {
		return &Error{Path: d.path, Message: err.Error()}
	}
	return &Error{
		Path:    d.path,
		Line:    parseErr.Position.Line,
		Column:  parseErr.Position.Col,
		Message: "invalid TOML: " + parseErr.Message,
	}
}

// ruleCodes decodes an array of rule codes or prefixes. label names the
// setting in messages.
func ruleCodes(label string, data any) ([]string, error) {
	items, ok := data.([]any)
	if !ok {
		return nil, fmt.Errorf(`%s must be an array of rule codes such as ["AS1"], not %s`, label, typeName(data))
	}

	codes := make([]string, 0, len(items))
	for i, item := range items {
		code, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s entry %d must be a string, not %s", label, i+1, typeName(item))
		}
		if !ruleCodePattern.MatchString(code) {
			return nil, fmt.Errorf(`%s entry %q is not a rule code or prefix, expected "AS" and up to three digits, such as "AS1" or "AS101"`, label, code)
		}
		codes = append(codes, code)
	}
	return codes, nil
}

// mappingPaths decodes an array of paths and makes each one absolute,
// resolving a relative path against dir.
func mappingPaths(label string, data any, dir string) ([]string, error) {
	items, ok := data.([]any)
	if !ok {
		return nil, fmt.Errorf(`%s must be an array of paths such as ["mappings"], not %s`, label, typeName(data))
	}

	paths := make([]string, 0, len(items))
	for i, item := range items {
		mappingPath, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s entry %d must be a string, not %s", label, i+1, typeName(item))
		}
		if strings.TrimSpace(mappingPath) == "" {
			return nil, fmt.Errorf("%s entry %d is empty, expected a path to a mapping document or a folder of them", label, i+1)
		}

		resolved := filepath.FromSlash(mappingPath)
		if !filepath.IsAbs(resolved) {
			resolved = filepath.Join(dir, resolved)
		}
		paths = append(paths, filepath.Clean(resolved))
	}
	return paths, nil
}

// checkPattern reports why a per-file-ignores pattern cannot be matched.
func checkPattern(pattern string) error {
	switch {
	case strings.TrimSpace(pattern) == "":
		return errors.New("a pattern must not be empty")
	case strings.HasPrefix(pattern, "!"):
		return errors.New(`negated patterns ("!") are not supported`)
	case path.IsAbs(pattern) || filepath.IsAbs(pattern):
		return errors.New("a pattern must be relative to the folder of the configuration file")
	}

	cleaned := path.Clean(pattern)
	if cleaned == ".." || strings.HasPrefix(cleaned, "../") {
		return errors.New("a pattern must not reach outside the folder of the configuration file")
	}
	for segment := range strings.SplitSeq(cleaned, "/") {
		if segment == "**" {
			continue
		}
		if _, err := path.Match(segment, ""); err != nil {
			return fmt.Errorf("malformed glob segment %q", segment)
		}
	}
	return nil
}

// unknownKeyError names the key and, for a snake_case or capitalized spelling
// of a known key, the key that was probably meant.
func unknownKeyError(name, tableName string) error {
	where := ""
	if tableName != "" {
		where = " in " + tableName
	}

	guess := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	if slices.Contains(knownKeys, guess) {
		return fmt.Errorf("unknown key %q%s (did you mean %q?)", name, where, guess)
	}
	return fmt.Errorf("unknown key %q%s, expected one of: %s", name, where, strings.Join(knownKeys, ", "))
}

// typeName names the TOML type of a raw value for messages, with its article.
func typeName(data any) string {
	switch data.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T value", data)
	}
}
