package config

import (
	"path"
	"path/filepath"
	"strings"
)

// Enabled reports whether rule should be reported in file, which is absolute
// or relative to the current working directory. A nil Config enables every
// rule, and an empty file skips the per-file ignores.
//
// Selection follows ruff. With no select key every rule is selected. Otherwise
// a rule is selected when a select entry is a prefix of its code, so "AS1"
// selects AS101 to AS107. When both lists match, the longer (more specific)
// entry wins and ignore wins a tie, so select ["AS101"] with ignore ["AS1"]
// keeps AS101. A matching per-file-ignores entry always disables the rule.
func (c *Config) Enabled(rule string, file string) bool {
	if c == nil {
		return true
	}

	selected := longestPrefix(c.Select, rule)
	if c.Select == nil {
		selected = 0
	}
	if selected < 0 || longestPrefix(c.Ignore, rule) >= selected {
		return false
	}

	return file == "" || !c.ignoredInFile(rule, file)
}

// longestPrefix returns the length of the longest code in codes that is a
// prefix of rule, or -1 when none is.
func longestPrefix(codes []string, rule string) int {
	longest := -1
	for _, code := range codes {
		if strings.HasPrefix(rule, code) && len(code) > longest {
			longest = len(code)
		}
	}
	return longest
}

// ignoredInFile reports whether a per-file-ignores entry that matches file lists rule.
func (c *Config) ignoredInFile(rule, file string) bool {
	var relative, base string
	inside := false
	resolved := false

	for pattern, codes := range c.PerFileIgnores {
		if longestPrefix(codes, rule) < 0 {
			continue
		}

		// Paths are resolved only once a pattern lists the rule, because most
		// rule and file pairs have no per-file ignore at all.
		if !resolved {
			relative, inside = relativePath(c.Dir, file)
			base = filepath.Base(file)
			resolved = true
		}
		if matchesFile(pattern, relative, inside, base) {
			return true
		}
	}
	return false
}

// relativePath returns file relative to dir, with "/" separators, and whether
// file is inside dir.
func relativePath(dir, file string) (string, bool) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", false
	}
	relative, err := filepath.Rel(dir, abs)
	if err != nil {
		return "", false
	}

	relative = filepath.ToSlash(relative)
	if relative == ".." || strings.HasPrefix(relative, "../") {
		return "", false
	}
	return relative, true
}

// matchesFile reports whether a per-file-ignores pattern matches a file. As in
// ruff's exclude setting, a pattern without "/" such as "*_test.py" also matches
// the file's base name in any folder, including folders outside the configuration's folder. A
// pattern with "/" matches the path relative to that folder, where "*" stays
// within one path segment and a "**" segment matches any number of them.
func matchesFile(pattern, relative string, inside bool, base string) bool {
	pattern = path.Clean(pattern)
	if !strings.Contains(pattern, "/") && matchGlob(pattern, base) {
		return true
	}
	return inside && matchGlob(pattern, relative)
}

// matchGlob reports whether name, a "/"-separated path, matches pattern, in
// which "**" as a whole segment matches zero or more segments and every other
// segment is a path.Match pattern. A malformed segment matches nothing.
func matchGlob(pattern, name string) bool {
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pattern, name []string) bool {
	for len(pattern) > 0 {
		if pattern[0] == "**" {
			rest := pattern[1:]
			for len(rest) > 0 && rest[0] == "**" {
				rest = rest[1:]
			}
			for skip := 0; skip <= len(name); skip++ {
				if matchSegments(rest, name[skip:]) {
					return true
				}
			}
			return false
		}

		if len(name) == 0 {
			return false
		}
		if matched, err := path.Match(pattern[0], name[0]); err != nil || !matched {
			return false
		}
		pattern, name = pattern[1:], name[1:]
	}
	return len(name) == 0
}
