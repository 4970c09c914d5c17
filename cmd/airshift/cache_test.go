package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airshift/airshift/mappings"
)

// TestMain keeps the results cache of every check in this package's tests
// in a temporary folder, away from the repository.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "airshift-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("AIRSHIFT_CACHE_DIR", dir)
	status := m.Run()
	os.RemoveAll(dir)
	os.Exit(status)
}

// copyExampleDAGs copies testdata/dags into a new project folder.
func copyExampleDAGs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[project]\nname = \"dags\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "dags", "*.py"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("found %d example DAGs (%v)", len(paths), err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCacheGivesSameOutput runs check cold, warm and without the cache in
// every format, and checks that all three print the same.
func TestCacheGivesSameOutput(t *testing.T) {
	dir := copyExampleDAGs(t)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	for _, format := range checkFormats {
		args := []string{"check", "--format", format, "--cache-dir", cacheDir, dir}
		coldStatus, cold, _ := runCLI(t, args...)
		warmStatus, warm, _ := runCLI(t, args...)
		plainStatus, plain, _ := runCLI(t, append([]string{"check", "--no-cache", "--format", format}, dir)...)
		if coldStatus != 1 || warmStatus != 1 || plainStatus != 1 {
			t.Errorf("%s: exit statuses %d, %d and %d, want 1", format, coldStatus, warmStatus, plainStatus)
		}
		if warm != cold {
			t.Errorf("%s: the warm run printed\n%s\nthe cold run\n%s", format, warm, cold)
		}
		if plain != cold {
			t.Errorf("%s: the run without the cache printed\n%s\nthe cold run\n%s", format, plain, cold)
		}
		if len(cold) < 200 {
			t.Errorf("%s: output of %d bytes is too short for 16 example DAGs", format, len(cold))
		}
	}
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != ".gitignore "+cacheFileName {
		t.Errorf("cache folder holds %v, want .gitignore and %s", names, cacheFileName)
	}
}

// TestCacheHitsAndMisses checks which files the cache serves. A second run
// gets all of them, and a changed file, another work pool, other mappings
// or a corrupt cache file get none. A run on another folder keeps them.
func TestCacheHitsAndMisses(t *testing.T) {
	dir := copyExampleDAGs(t)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	files, _ := collectFiles([]string{dir})
	reg, _ := loadRegistry(nil, &strings.Builder{})
	custom, ok := loadRegistry([]string{filepath.Join("..", "..", "testdata", "mappings")}, &strings.Builder{})
	if !ok {
		t.Fatal("the custom mapping documents did not load")
	}
	scanWith := func(reg *mappings.Registry, workPool string) (*resultCache, []fileResult) {
		cache := openCache(cacheDir, reg, workPool, false)
		opts := checkOptions(workPool)
		results := scanFiles(t.Context(), files, reg, opts, false, cache, nil, nil)
		if err := cache.close(); err != nil {
			t.Fatal(err)
		}
		return cache, results
	}
	scan := func(workPool string) (*resultCache, []fileResult) { return scanWith(reg, workPool) }

	first, cold := scan("")
	if first.hits != 0 {
		t.Errorf("first run: %d hits, want 0", first.hits)
	}
	second, warm := scan("")
	if second.hits != len(files) {
		t.Errorf("second run: %d hits, want %d", second.hits, len(files))
	}
	for i := range cold {
		if len(cold[i].findings) != len(warm[i].findings) {
			t.Errorf("%s: %d findings cold, %d warm", files[i], len(cold[i].findings), len(warm[i].findings))
		}
	}

	changed := filepath.Join(dir, "with_dag.py")
	data, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed, append(data, []byte("\n# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if third, _ := scan(""); third.hits != len(files)-1 {
		t.Errorf("after one file changed: %d hits, want %d", third.hits, len(files)-1)
	}
	if other, _ := scan("other-pool"); other.hits != 0 {
		t.Errorf("with another work pool: %d hits, want 0", other.hits)
	}
	if withCustom, _ := scanWith(custom, ""); withCustom.hits != 0 {
		t.Errorf("with more mappings: %d hits, want 0", withCustom.hits)
	}

	if err := os.WriteFile(filepath.Join(cacheDir, cacheFileName), []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt, results := scan("")
	if corrupt.hits != 0 {
		t.Errorf("corrupt cache: %d hits, want 0", corrupt.hits)
	}
	if len(results) != len(files) || results[0].err != nil {
		t.Errorf("corrupt cache: %d results, first error %v", len(results), results[0].err)
	}
	if again, _ := scan(""); again.hits != len(files) {
		t.Errorf("after the corrupt cache was rewritten: %d hits, want %d", again.hits, len(files))
	}

	// A run on another folder keeps the entries of this one.
	otherDir := copyExampleDAGs(t)
	if err := os.WriteFile(filepath.Join(otherDir, "extra.py"), []byte("x = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherFiles, _ := collectFiles([]string{otherDir})
	for _, path := range otherFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, []byte("\n# another project\n")...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	otherCache := openCache(cacheDir, reg, "", false)
	scanFiles(t.Context(), otherFiles, reg, checkOptions(""), false, otherCache, nil, nil)
	if err := otherCache.close(); err != nil {
		t.Fatal(err)
	}
	if otherCache.hits != 0 {
		t.Errorf("another folder with other contents: %d hits, want 0", otherCache.hits)
	}
	if back, _ := scan(""); back.hits != len(files) {
		t.Errorf("after a run on another folder: %d hits, want %d", back.hits, len(files))
	}
}

// TestCacheResistsTampering checks that a cache file changed in place is
// ignored, that links in the cache folder are replaced rather than
// followed, that an existing folder gets no .gitignore, and that offsets
// beyond the file are not served.
func TestCacheResistsTampering(t *testing.T) {
	dir := copyExampleDAGs(t)
	files, _ := collectFiles([]string{dir})
	reg, _ := loadRegistry(nil, &strings.Builder{})
	scan := func(cacheDir string) *resultCache {
		cache := openCache(cacheDir, reg, "", false)
		scanFiles(t.Context(), files, reg, checkOptions(""), false, cache, nil, nil)
		if err := cache.close(); err != nil {
			t.Fatal(err)
		}
		return cache
	}

	cacheDir := filepath.Join(t.TempDir(), "cache")
	scan(cacheDir)
	path := filepath.Join(cacheDir, cacheFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Change a task id in the payload without changing its length.
	changed := bytes.Replace(data, []byte("export_sales"), []byte("exp0rt_sales"), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("the cache holds no export_sales task to change")
	}
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if tampered := scan(cacheDir); tampered.hits != 0 {
		t.Errorf("a cache changed in place gave %d hits, want 0", tampered.hits)
	}

	// Links planted in an existing cache folder.
	linked := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim.txt")
	if err := os.WriteFile(outside, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(linked, cacheFileName)); err != nil {
		t.Fatal(err)
	}
	scan(linked)
	if got, _ := os.ReadFile(outside); string(got) != "keep me\n" {
		t.Errorf("the cache wrote through a link to %s: %q", outside, got)
	}
	if info, err := os.Lstat(filepath.Join(linked, cacheFileName)); err != nil || !info.Mode().IsRegular() {
		t.Errorf("the cache file is not a regular file after the run: %v, %v", info, err)
	}
	if _, err := os.Lstat(filepath.Join(linked, ".gitignore")); !os.IsNotExist(err) {
		t.Errorf("a .gitignore was written into a folder that existed before: %v", err)
	}

	cache := &resultCache{binary: "b", loaded: map[string][]cachedFinding{
		"k": {{Rule: "AS101", Start: 10, End: 1 << 20}},
	}, used: map[string][]cachedFinding{}}
	if _, ok := cache.get("k", 100); ok {
		t.Error("an entry with an offset past the end of a 100-byte file was served")
	}
	if _, ok := cache.get("k", 1<<21); !ok {
		t.Error("an entry within the file was not served")
	}
}
