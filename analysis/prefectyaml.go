package analysis

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// UpdatePrefectYAML returns existing prefect.yaml content with d's entry
// added to deployments, or replacing the entry of the same name. The rest
// of the file, its other entries and comments included, keeps its bytes:
// the entry is spliced in as text, and a YAML parser only locates it.
func UpdatePrefectYAML(existing []byte, d *Deployment) ([]byte, error) {
	entry := d.YAMLEntry()
	if len(bytes.TrimSpace(existing)) == 0 {
		out := []byte("# Prefect deployments. Airshift adds an entry for each rewritten Airflow task.\ndeployments:\n" + entry)
		return out, validatePrefectYAML(out, d.Name)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(existing, &doc); err != nil {
		return nil, fmt.Errorf("the existing prefect.yaml does not parse, so Airshift leaves it alone: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the existing prefect.yaml is not a mapping, so Airshift leaves it alone")
	}
	eol := lineEnding(existing)
	lines := strings.SplitAfter(string(existing), "\n")
	if !strings.HasSuffix(lines[len(lines)-1], "\n") {
		lines[len(lines)-1] += eol
	}
	if lines[len(lines)-1] == eol && len(lines) > 1 && strings.HasSuffix(string(existing), "\n") {
		lines = lines[:len(lines)-1]
	}
	root := doc.Content[0]
	var seq *yaml.Node
	nextKeyLine := len(lines) + 1
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "deployments" {
			seq = root.Content[i+1]
			if i+2 < len(root.Content) {
				nextKeyLine = root.Content[i+2].Line
			}
			if seq.Kind == yaml.SequenceNode && seq.Style == yaml.FlowStyle && len(seq.Content) == 0 {
				// "deployments: []" becomes a block list.
				keyLine := root.Content[i].Line - 1
				lines[keyLine] = "deployments:" + eol
				seq = nil
				lines = insertLines(lines, keyLine+1, reindent(entry, "", eol))
				out := []byte(strings.Join(lines, ""))
				return out, validatePrefectYAML(out, d.Name)
			}
			break
		}
	}
	if seq == nil {
		out := strings.Join(lines, "") + "deployments:" + eol + reindent(entry, "", eol)
		return []byte(out), validatePrefectYAML([]byte(out), d.Name)
	}
	if seq.Kind != yaml.SequenceNode {
		if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
			keyLine := seq.Line - 1
			lines[keyLine] = "deployments:" + eol
			lines = insertLines(lines, keyLine+1, reindent(entry, "", eol))
			out := strings.Join(lines, "")
			return []byte(out), validatePrefectYAML([]byte(out), d.Name)
		}
		return nil, fmt.Errorf("deployments in the existing prefect.yaml is not a list, so Airshift leaves it alone")
	}
	if len(seq.Content) == 0 {
		out := strings.Join(lines, "") + reindent(entry, "", eol)
		return []byte(out), validatePrefectYAML([]byte(out), d.Name)
	}
	indent := strings.Repeat(" ", max(seq.Content[0].Column-3, 0))
	// endOf returns the 0-based line after item i: the next item's line, or
	// the end of the list's last non-blank line.
	endOf := func(i int) int {
		if i+1 < len(seq.Content) {
			return seq.Content[i+1].Line - 1
		}
		end := nextKeyLine - 1
		for end > seq.Content[i].Line && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		return end
	}
	if renamed := uniqueDeploymentName(seq, d); renamed != d.Name {
		d.Name = renamed
		entry = d.YAMLEntry()
	}
	for i, item := range seq.Content {
		if item.Kind != yaml.MappingNode || mappingValue(item, "name") != d.Name {
			continue
		}
		start := item.Line - 1
		end := endOf(i)
		lines = append(lines[:start], append(strings.SplitAfter(reindent(entry, indent, eol), eol), lines[end:]...)...)
		out := []byte(strings.Join(lines, ""))
		return out, validatePrefectYAML(out, d.Name)
	}
	at := endOf(len(seq.Content) - 1)
	lines = insertLines(lines, at, reindent(entry, indent, eol))
	out := []byte(strings.Join(lines, ""))
	return out, validatePrefectYAML(out, d.Name)
}

func insertLines(lines []string, at int, text string) []string {
	out := append([]string(nil), lines[:at]...)
	out = append(out, text)
	return append(out, lines[at:]...)
}

func reindent(entry, indent, eol string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(entry, "\n") {
		if line == "" {
			continue
		}
		b.WriteString(indent + strings.TrimSuffix(line, "\n") + eol)
	}
	return b.String()
}

func mappingValue(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1].Value
		}
	}
	return ""
}

// validatePrefectYAML checks that out parses and holds exactly one
// deployment called name.
func validatePrefectYAML(out []byte, name string) error {
	var parsed struct {
		Deployments []struct {
			Name string `yaml:"name"`
		} `yaml:"deployments"`
	}
	if err := yaml.Unmarshal(out, &parsed); err != nil {
		return fmt.Errorf("the updated prefect.yaml would not parse (%v); please report this file", err)
	}
	found := 0
	for _, dep := range parsed.Deployments {
		if dep.Name == name {
			found++
		}
	}
	if found != 1 {
		return fmt.Errorf("the updated prefect.yaml contains %d deployments named %q instead of 1; rename the duplicates by hand", found, name)
	}
	return nil
}

// uniqueDeploymentName returns the name d's entry takes in the list: its
// own, unless an entry of that name deploys another entrypoint, as when
// tasks of different DAG files share a task id. Then a numbered name,
// the one already used for d's entrypoint when there is one.
func uniqueDeploymentName(seq *yaml.Node, d *Deployment) string {
	entrypoints := map[string]string{}
	for _, item := range seq.Content {
		if item.Kind == yaml.MappingNode {
			entrypoints[mappingValue(item, "name")] = mappingValue(item, "entrypoint")
		}
	}
	name := d.Name
	for i := 2; ; i++ {
		entrypoint, taken := entrypoints[name]
		if !taken || entrypoint == d.Entrypoint {
			return name
		}
		name = fmt.Sprintf("%s-%d", d.Name, i)
	}
}
