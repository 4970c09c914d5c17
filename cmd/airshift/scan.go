package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/config"
	"github.com/airshift/airshift/analysis/deployfiles"
	"github.com/airshift/airshift/mappings"
)

// fileResult is the analysis of one file on disk.
type fileResult struct {
	path     string
	src      []byte
	findings []analysis.Finding
	file     *analysis.File
	err      error
}

// skippedDirs are folders a scan never enters.
var skippedDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "__pycache__": true, "node_modules": true,
	".venv": true, "venv": true, ".tox": true, ".mypy_cache": true, ".ruff_cache": true,
}

// collectFiles expands folders into their *.py files. Paths named directly
// are kept whatever their extension, as ruff does.
func collectFiles(paths []string) ([]string, []error) {
	var files []string
	var errs []error
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		// WalkDir does not follow a symbolic link it starts at, so a linked
		// folder is walked through its target and reported under p.
		walkRoot := p
		if resolved, err := filepath.EvalSymlinks(p); err == nil {
			walkRoot = resolved
		}
		err = filepath.WalkDir(walkRoot, func(path string, d fs.DirEntry, err error) error {
			if rel, rerr := filepath.Rel(walkRoot, path); rerr == nil {
				path = filepath.Join(p, rel)
			}
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() {
				if path != p && skippedDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".py") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	sort.Strings(files)
	return files, errs
}

// scanFiles analyses files on all cores and returns the results in the
// order of files. prove runs CheckFix on each finding's first fix, and
// cache, when not nil, supplies and keeps the findings per file content.
func scanFiles(ctx context.Context, files []string, reg *mappings.Registry, opts analysis.Options, prove bool, cache *resultCache, cfg *config.Config, progress func(done int)) []fileResult {
	results := make([]fileResult, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = scanFile(ctx, files[i], reg, opts, prove, cache)
				if r := &results[i]; r.err == nil {
					r.findings = keepEnabled(r.findings, enabledFor(cfg, files[i]))
				}
				if progress != nil {
					mu.Lock()
					done++
					progress(done)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

// scanFile returns the findings of every rule for the file at path, from
// the cache when it has them.
func scanFile(ctx context.Context, path string, reg *mappings.Registry, opts analysis.Options, prove bool, cache *resultCache) fileResult {
	src, err := os.ReadFile(path)
	if err != nil {
		return fileResult{path: path, err: err}
	}
	opts.Entrypoint = entrypointFor(path)
	var key string
	if cache != nil {
		key = cache.key(opts.Entrypoint, src)
		if findings, ok := cache.get(key, len(src)); ok {
			return fileResult{path: path, src: src, findings: findings, file: analysis.NewTextFile(src)}
		}
	}
	r := analyzeSource(ctx, path, src, reg, opts)
	if r.err != nil {
		return r
	}
	if prove {
		proveFixes(&r)
	}
	r.release()
	cache.put(key, r.findings)
	return r
}

// keepEnabled returns the findings whose rule enabled selects.
func keepEnabled(findings []analysis.Finding, enabled func(string) bool) []analysis.Finding {
	if enabled == nil {
		return findings
	}
	var selected []analysis.Finding
	for _, fd := range findings {
		if enabled(fd.Rule) {
			selected = append(selected, fd)
		}
	}
	return selected
}

// analyzeSource analyses src as the content of path.
func analyzeSource(ctx context.Context, path string, src []byte, reg *mappings.Registry, opts analysis.Options) fileResult {
	tree, err := analysis.Parse(ctx, src, nil)
	if err != nil {
		return fileResult{path: path, err: err}
	}
	if opts.Entrypoint == "" {
		opts.Entrypoint = entrypointFor(path)
	}
	f := analysis.NewFile(src, tree, reg)
	// The analysis walks its own copy of the tree, and no later step
	// reads the tree-sitter one.
	tree.Close()
	f.Tree = nil
	res := analysis.Analyze(f, opts)
	return fileResult{path: path, src: src, findings: res.Findings, file: f}
}

// release drops what the output does not need, the syntax tree and the
// calls, so that a scan of many files holds only their text and findings.
func (r *fileResult) release() {
	if r.file == nil {
		return
	}
	r.file = r.file.Detached()
	for i := range r.findings {
		r.findings[i].Call = nil
	}
}

// proveFixes checks the first fix of each finding with analysis.CheckFix,
// for results analysed with Options.DeferRewriteCheck. A fix that fails
// is dropped and its error becomes the finding's reason for having none.
func proveFixes(r *fileResult) {
	for i := range r.findings {
		fd := &r.findings[i]
		if len(fd.Fixes) == 0 {
			continue
		}
		if err := analysis.CheckFix(r.file, &fd.Fixes[0]); err != nil {
			fd.Fixes, fd.NoFixReason = nil, err.Error()
		}
	}
}

// entrypointFor returns path relative to its project root, so the deploy
// command in a rewrite does not depend on where airshift ran. Without a
// root it is the path as given.
func entrypointFor(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(filepath.Clean(path))
	}
	if rel, err := filepath.Rel(projectFolder(abs), abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(filepath.Clean(path))
}

// projectFolder returns the folder that prefect.yaml belongs in for the
// absolute path abs: its project root, or its own folder without one.
func projectFolder(abs string) string {
	dir := filepath.Dir(abs)
	if folder, ok := projectFolders.Load(dir); ok {
		return folder.(string)
	}
	folder := deployfiles.ProjectFolder(abs, "")
	projectFolders.Store(dir, folder)
	return folder
}

// projectFolders maps a folder to its project folder, so that a scan looks
// for the project markers once per folder rather than once per file.
var projectFolders sync.Map

// location is a 1-based row and a 1-based column counted in characters,
// as ruff reports them.
type location struct {
	Row    int `json:"row"`
	Column int `json:"column"`
}

func locate(f *analysis.File, off int) location {
	line := f.Line(off)
	start := f.LineStart(line)
	col := utf8.RuneCount(f.Src[start:off]) + 1
	return location{Row: line + 1, Column: col}
}

func printErr(stderr interface{ Write([]byte) (int, error) }, path string, err error) {
	fmt.Fprintf(stderr, "airshift: %s: %v\n", path, err)
}
