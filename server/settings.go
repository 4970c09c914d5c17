package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/airshift/airshift/analysis/config"
	"github.com/airshift/airshift/mappings"
)

// settings is the client's configuration, sent through initializationOptions
// or workspace/didChangeConfiguration. Both accept the keys at the top level
// or under "airshift", as VS Code sends its section.
type settings struct {
	// Mappings are extra mapping files or folders; relative paths start at
	// the workspace root.
	Mappings []string `json:"mappings"`
	// WorkPool is the Kubernetes work pool named in rewrites.
	WorkPool string `json:"workPool"`
	// UnsafeFixes makes source.fixAll apply rewrites that need review.
	UnsafeFixes *bool `json:"unsafeFixes"`
}

// decode reads the known settings, one key at a time, so that one value
// of the wrong type costs only that setting. A key that is absent keeps its
// value, and a null one clears it. The error names every key it skipped.
func (st *settings) decode(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("settings are not a JSON object: %w", err)
	}
	if nested, ok := raw["airshift"]; ok {
		if err := json.Unmarshal(nested, &raw); err != nil {
			return fmt.Errorf("the airshift settings are not a JSON object: %w", err)
		}
	}
	var problems []string
	for key, v := range raw {
		if string(v) != "null" {
			continue
		}
		switch key {
		case "mappings":
			st.Mappings = nil
		case "workPool":
			st.WorkPool = ""
		case "unsafeFixes":
			st.UnsafeFixes = nil
		}
	}
	if v, ok := raw["mappings"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &st.Mappings); err != nil {
			var single string
			if json.Unmarshal(v, &single) == nil {
				st.Mappings = []string{single}
			} else {
				problems = append(problems, "mappings must be a list of paths")
			}
		}
	}
	if v, ok := raw["workPool"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &st.WorkPool); err != nil {
			problems = append(problems, "workPool must be a string")
		}
	}
	if v, ok := raw["unsafeFixes"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &st.UnsafeFixes); err != nil {
			problems = append(problems, "unsafeFixes must be true or false")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// applySettings stores st and rebuilds the mapping registry from the
// built-in documents, the command line's paths and st's paths. A document
// that fails to load is reported to the user and skipped.
func (s *Server) applySettings(st settings) {
	s.mu.Lock()
	root := s.root
	s.mu.Unlock()
	cfg := s.loadProjectConfig(root)
	paths := append([]string{}, s.opts.Mappings...)
	if cfg != nil {
		paths = append(paths, cfg.Mappings...)
	}
	for _, p := range st.Mappings {
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) && root != "" {
			p = filepath.Join(root, p)
		}
		paths = append(paths, p)
	}
	reg, err := mappings.Load(paths)
	if reg == nil {
		s.log.Error("built-in mappings failed to load", zap.Error(err))
		return
	}
	if err != nil {
		s.log.Warn("mapping documents skipped", zap.Error(err))
		s.showError("Airshift skipped mapping documents: " + strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	s.mu.Lock()
	s.settings = st
	s.registry = reg
	s.config = cfg
	s.mu.Unlock()
}

// loadProjectConfig reads the [tool.airshift] configuration of the
// workspace, reporting a broken file to the user.
func (s *Server) loadProjectConfig(root string) *config.Config {
	if root == "" {
		return nil
	}
	cfg, err := config.Find(root)
	if err != nil {
		s.log.Warn("project configuration skipped", zap.Error(err))
		s.showError("Airshift skipped the project configuration: " + strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	s.mu.Lock()
	s.configStamp = configStamp(cfg)
	s.mu.Unlock()
	return cfg
}

// configStamp identifies the configuration file's version by its path and
// modification time.
func configStamp(cfg *config.Config) string {
	if cfg == nil {
		return ""
	}
	info, err := os.Stat(cfg.Path)
	if err != nil {
		return cfg.Path
	}
	return cfg.Path + "@" + info.ModTime().String()
}

// reloadConfigIfChanged re-reads the project configuration when its file
// changed since it was read, and re-checks the open documents. Editors do
// not all report changes to files they do not show, so the server looks at
// the file's modification time on each edit.
func (s *Server) reloadConfigIfChanged() {
	s.mu.Lock()
	cfg, stamp, st := s.config, s.configStamp, s.settings
	s.mu.Unlock()
	if cfg == nil || configStamp(cfg) == stamp {
		return
	}
	s.log.Info("project configuration changed; reloading", zap.String("path", cfg.Path))
	s.applySettings(st)
	for _, snap := range s.docs.all() {
		s.diags.schedule(snap)
	}
}

// entrypoint returns the path used in a rewrite's deploy command: the file
// relative to the workspace root, or its base name without a root.
func entrypoint(root, path string) string {
	if path == "" {
		return ""
	}
	if root != "" {
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}
