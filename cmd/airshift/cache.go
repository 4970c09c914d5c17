package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/deployfiles"
	"github.com/airshift/airshift/mappings"
)

// cacheFileName is the file in the cache folder that holds check's results.
const cacheFileName = "check-v2.gob"

// cacheHeader starts the cache file. The SHA-256 of the gob payload follows
// it on the same line, so that a damaged file is detected and ignored.
const cacheHeader = "airshift results cache 2 "

// resultCache keeps check's findings per file content between runs, so
// that a scan reads and hashes an unchanged file instead of parsing it. An entry's key covers everything its findings depend on:
// the airshift binary, the mappings, the work pool, the file's entry point,
// whether fixes were proven, and the file's bytes. Rule selection is
// applied after the cache, so it is not part of the key.
type resultCache struct {
	path     string
	settings []byte
	binary   string

	// mu guards the maps: loaded from the file, and used by this run.
	mu     sync.Mutex
	loaded map[string][]cachedFinding
	used   map[string][]cachedFinding
	// stale is set when the file must be written: a new or dropped entry.
	stale bool
	// hits counts the files served from the cache.
	hits int
}

// cacheContent is the gob form of the cache file.
type cacheContent struct {
	Binary  string
	Entries map[string][]cachedFinding
}

type cachedFinding struct {
	Rule        string
	Start, End  int
	Message     string
	Related     []analysis.Related
	Fixes       []cachedFix
	NoFixReason string
}

type cachedFix struct {
	Title        string
	Safety       analysis.Safety
	Preferred    bool
	Edits        []analysis.Edit
	Reasons      []string
	NoEquivalent []string
}

// cacheFolder returns the folder check keeps its cache in. That is the
// flag's value, then $AIRSHIFT_CACHE_DIR, then .airshift_cache in the
// nearest folder above the current one with prefect.yaml, pyproject.toml
// or .git, else in the current folder. The paths checked do not change it,
// so the order of the arguments does not move the cache.
func cacheFolder(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("AIRSHIFT_CACHE_DIR"); env != "" {
		return env
	}
	cwd, err := os.Getwd()
	if err != nil {
		return ".airshift_cache"
	}
	// ProjectFolder starts from the folder of the path it is given, and
	// falls back to that folder.
	return filepath.Join(deployfiles.ProjectFolder(filepath.Join(cwd, "-"), ""), ".airshift_cache")
}

// openCache reads the cache in folder. A missing, unreadable or outdated
// cache file gives an empty cache, which close rewrites.
func openCache(folder string, reg *mappings.Registry, workPool string, prove bool) *resultCache {
	c := &resultCache{path: filepath.Join(folder, cacheFileName), loaded: map[string][]cachedFinding{}, used: map[string][]cachedFinding{}}
	c.binary = binaryHash()
	var settings bytes.Buffer
	fmt.Fprintf(&settings, "work pool %q\x00prove %t\x00", workPool, prove)
	settings.Write(reg.Fingerprint())
	c.settings = settings.Bytes()

	data, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	payload, ok := verifiedPayload(data)
	var content cacheContent
	if !ok || gob.NewDecoder(bytes.NewReader(payload)).Decode(&content) != nil || content.Binary != c.binary || c.binary == "" {
		c.stale = true
		return c
	}
	c.loaded = content.Entries
	return c
}

// verifiedPayload returns the payload of a cache file whose header and
// checksum match it.
func verifiedPayload(data []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(cacheHeader))
	if !ok {
		return nil, false
	}
	sum, payload, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return nil, false
	}
	actual := sha256.Sum256(payload)
	return payload, string(sum) == hex.EncodeToString(actual[:])
}

// binaryHash returns the SHA-256 of the running executable, or "" when it
// cannot be read, which disables the cache.
func binaryHash() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	file, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// key returns the cache key of a file's content at entrypoint.
func (c *resultCache) key(entrypoint string, src []byte) string {
	h := sha256.New()
	h.Write(c.settings)
	fmt.Fprintf(h, "\x00entrypoint %q\x00", entrypoint)
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

// get returns the findings cached under key for a file of size bytes, and
// false on a miss or when an offset lies outside the file.
func (c *resultCache) get(key string, size int) ([]analysis.Finding, bool) {
	if c == nil || c.binary == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.loaded[key]
	if !ok || !withinFile(cached, size) {
		return nil, false
	}
	c.used[key] = cached
	c.hits++
	return fromCache(cached), true
}

// withinFile reports whether every offset of the cached findings lies in a
// file of size bytes.
func withinFile(cached []cachedFinding, size int) bool {
	within := func(start, end int) bool { return 0 <= start && start <= end && end <= size }
	for _, fd := range cached {
		if !within(fd.Start, fd.End) {
			return false
		}
		for _, r := range fd.Related {
			if !within(r.Start, r.End) {
				return false
			}
		}
		for _, fx := range fd.Fixes {
			for _, e := range fx.Edits {
				if !within(e.Start, e.End) {
					return false
				}
			}
		}
	}
	return true
}

// put records the findings of a file analysed in this run.
func (c *resultCache) put(key string, findings []analysis.Finding) {
	if c == nil || c.binary == "" {
		return
	}
	cached := toCache(findings)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used[key] = cached
	c.stale = true
}

// maxCacheEntries bounds the cache file. A file's entry for the text
// formats of a 300-line DAG with 12 calls takes about 30 KB.
const maxCacheEntries = 10000

// close writes the cache when this run added to it. It keeps the entries
// of this run and, up to maxCacheEntries in all, the entries of files
// this run did not see, such as another folder's or another format's.
func (c *resultCache) close() error {
	if c == nil || c.binary == "" || !c.stale {
		return nil
	}
	entries := make(map[string][]cachedFinding, len(c.used))
	maps.Copy(entries, c.used)
	for key, cached := range c.loaded {
		if len(entries) >= maxCacheEntries {
			break
		}
		if _, ok := entries[key]; !ok {
			entries[key] = cached
		}
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(cacheContent{Binary: c.binary, Entries: entries}); err != nil {
		return err
	}
	sum := sha256.Sum256(payload.Bytes())
	data := append([]byte(cacheHeader+hex.EncodeToString(sum[:])+"\n"), payload.Bytes()...)

	folder := filepath.Dir(c.path)
	_, statErr := os.Lstat(folder)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	if os.IsNotExist(statErr) {
		// A folder this run created ignores itself, so that it never shows
		// in git status. O_EXCL does not follow a link planted there.
		ignore, err := os.OpenFile(filepath.Join(folder, ".gitignore"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = ignore.WriteString("# Created by airshift check.\n*\n")
		if closeErr := ignore.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return err
		}
	}
	// Renaming a new file over the path replaces a link there rather than
	// writing to where it points.
	tmp, err := os.CreateTemp(folder, ".check-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func toCache(findings []analysis.Finding) []cachedFinding {
	out := make([]cachedFinding, len(findings))
	for i, fd := range findings {
		out[i] = cachedFinding{Rule: fd.Rule, Start: fd.Start, End: fd.End, Message: fd.Message, Related: fd.Related, NoFixReason: fd.NoFixReason}
		for _, fx := range fd.Fixes {
			out[i].Fixes = append(out[i].Fixes, cachedFix{
				Title: fx.Title, Safety: fx.Safety, Preferred: fx.Preferred, Edits: fx.Edits,
				Reasons: fx.Reasons, NoEquivalent: fx.NoEquivalent,
			})
		}
	}
	return out
}

func fromCache(cached []cachedFinding) []analysis.Finding {
	out := make([]analysis.Finding, len(cached))
	for i, c := range cached {
		out[i] = analysis.Finding{Rule: c.Rule, Start: c.Start, End: c.End, Message: c.Message, Related: c.Related, NoFixReason: c.NoFixReason}
		for _, fx := range c.Fixes {
			out[i].Fixes = append(out[i].Fixes, analysis.Fix{
				Title: fx.Title, Safety: fx.Safety, Preferred: fx.Preferred, Edits: fx.Edits,
				Reasons: fx.Reasons, NoEquivalent: fx.NoEquivalent,
			})
		}
	}
	return out
}
