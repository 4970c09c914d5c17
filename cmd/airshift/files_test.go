//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// readBytes returns the content of path, failing the test when it cannot
// be read.
func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// writeFixture copies a file from testdata to path with mode, creating
// path's folder.
func writeFixture(t *testing.T, rel, path string, mode os.FileMode) []byte {
	t.Helper()
	data := readBytes(t, filepath.Join("..", "..", "testdata", rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile applies the umask; the test needs the mode exactly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestFixKeepsPermissionBits rewrites files with several permission
// modes, including a read-only one and one reached through a symbolic
// link. Each file is replaced by a rename, so its inode changes, and keeps
// its mode. The link stays a link, and no temporary file is left behind.
func TestFixKeepsPermissionBits(t *testing.T) {
	dir := t.TempDir()
	modes := map[string]os.FileMode{"private.py": 0o600, "group.py": 0o640, "script.py": 0o755, "readonly.py": 0o444}
	before := map[string]os.FileInfo{}
	for name, mode := range modes {
		path := filepath.Join(dir, name)
		writeFixture(t, "dags/module_level.py", path, mode)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = info
	}
	target := filepath.Join(t.TempDir(), "target.py")
	writeFixture(t, "dags/module_level.py", target, 0o640)
	link := filepath.Join(dir, "link.py")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}

	status, _, errOut := runCLI(t, "fix", dir)
	if status != exitClean {
		t.Fatalf("status %d, want 0; stderr:\n%s", status, errOut)
	}
	for name, mode := range modes {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s has mode %v after the fix, want %v", name, info.Mode().Perm(), mode)
		}
		if os.SameFile(before[name], info) {
			t.Errorf("%s is the same inode after the fix; it was written in place, not through a rename", name)
		}
		if !strings.Contains(string(readBytes(t, path)), "def rebuild_dim_customer(") {
			t.Errorf("%s was not rewritten", name)
		}
	}
	info, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.py is no longer a symbolic link")
	}
	if !strings.Contains(string(readBytes(t, target)), "def rebuild_dim_customer(") {
		t.Errorf("the file behind link.py was not rewritten")
	}
	if info, err := os.Stat(target); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("the file behind link.py: mode %v (err %v), want 0640", info.Mode().Perm(), err)
	}
	for _, folder := range []string{dir, filepath.Dir(target)} {
		entries, err := os.ReadDir(folder)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), ".airshift-") {
				t.Errorf("a temporary file was left behind: %s", filepath.Join(folder, e.Name()))
			}
		}
	}
}

// fileSizeLimitEnv carries the RLIMIT_FSIZE in bytes, and fixArgsEnv the
// arguments as JSON, from TestFixWriteFailure to the process it starts.
const (
	fileSizeLimitEnv = "AIRSHIFT_TEST_FSIZE"
	fixArgsEnv       = "AIRSHIFT_TEST_FIX_ARGS"
)

// TestFixHelperProcess is not a test: TestFixWriteFailure runs the test
// binary again with only this function selected, which sets a file size
// limit and runs airshift with the arguments it was given. The limit makes
// writes of larger files fail for any user, root included, unlike file
// permissions. The Go runtime ignores SIGXFSZ, so the write returns EFBIG.
func TestFixHelperProcess(t *testing.T) {
	limit := os.Getenv(fileSizeLimitEnv)
	if limit == "" {
		t.Skip("runs only inside TestFixWriteFailure")
	}
	bytesLimit, err := strconv.ParseUint(limit, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(fixArgsEnv)), &args); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: bytesLimit, Max: bytesLimit}); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(args, strings.NewReader(""), os.Stdout, os.Stderr))
}

// runWithFileSizeLimit runs airshift in a child process whose files cannot
// grow beyond limit bytes.
func runWithFileSizeLimit(t *testing.T, limit int, args ...string) (int, string) {
	t.Helper()
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFixHelperProcess$")
	cmd.Env = append(os.Environ(), fileSizeLimitEnv+"="+strconv.Itoa(limit), fixArgsEnv+"="+string(encoded))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	status := 0
	if exit, ok := err.(*exec.ExitError); ok {
		status = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return status, stderr.String()
}

// TestFixWriteFailure fixes a folder where one file cannot be written, one
// does not parse and one is not valid UTF-8. Those keep every byte and the
// first two are named in an error, the exit status is 2, and the other
// files are still fixed.
func TestFixWriteFailure(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a_good.py")
	writeFixture(t, "dags/module_level.py", good, 0o644)
	other := filepath.Join(dir, "d_other.py")
	writeFixture(t, "dags/kwargs_splat.py", other, 0o644)
	broken := filepath.Join(dir, "b_broken.py")
	brokenBefore := writeFixture(t, "invalid/syntax_error.py", broken, 0o644)

	// The padding makes this file's rewrite larger than the size limit.
	large := filepath.Join(dir, "c_large.py")
	padding := strings.Repeat("# padding that makes this DAG too large to write under the limit\n", 2000)
	largeBefore := append(readBytes(t, filepath.Join("..", "..", "testdata", "dags", "module_level.py")), padding...)
	if err := os.WriteFile(large, largeBefore, 0o644); err != nil {
		t.Fatal(err)
	}
	latin1 := filepath.Join(dir, "e_latin1.py")
	latin1Before := append([]byte("# caf\xe9\n"), readBytes(t, filepath.Join("..", "..", "testdata", "dags", "module_level.py"))...)
	if err := os.WriteFile(latin1, latin1Before, 0o644); err != nil {
		t.Fatal(err)
	}
	const limit = 64 << 10
	if len(largeBefore) <= limit {
		t.Fatalf("the large DAG has %d bytes, want more than the %d-byte limit", len(largeBefore), limit)
	}

	status, errOut := runWithFileSizeLimit(t, limit, "fix", dir)
	if status != exitError {
		t.Errorf("status %d, want 2; stderr:\n%s", status, errOut)
	}
	if !strings.Contains(errOut, large+": ") || !strings.Contains(errOut, "file too large") {
		t.Errorf("stderr does not name %s and the write error:\n%s", large, errOut)
	}
	if !strings.Contains(errOut, broken+":11: not rewritten") {
		t.Errorf("stderr does not name %s:11 as not rewritten:\n%s", broken, errOut)
	}
	if got := readBytes(t, large); !bytes.Equal(got, largeBefore) {
		t.Errorf("the file that could not be written changed: %d bytes, want %d", len(got), len(largeBefore))
	}
	if got := readBytes(t, broken); !bytes.Equal(got, brokenBefore) {
		t.Errorf("the file with a syntax error changed")
	}
	if got := readBytes(t, latin1); !bytes.Equal(got, latin1Before) {
		t.Errorf("the file that is not UTF-8 changed")
	}
	for _, path := range []string{good, other} {
		if !strings.Contains(string(readBytes(t, path)), "@flow(") {
			t.Errorf("%s was not fixed beside the failures", path)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".airshift-") {
			t.Errorf("the failed write left a temporary file behind: %s", e.Name())
		}
	}
	// module_level.py and kwargs_splat.py hold one safe rewrite each. The
	// large file's rewrite was not written, so its call is still left, as
	// are the call and the AS001 finding of the broken file and the call of
	// the non-UTF-8 file. The summary counts all four.
	if want := "Applied 2 rewrites in 2 files; 4 operator calls left."; !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks the summary %q:\n%s", want, errOut)
	}
}

// TestFixReadOnlyFolder fixes a file in a folder that the user cannot
// write to, where no temporary file can be created.
func TestFixReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only folders; TestFixWriteFailure covers a failed write for root")
	}
	dir := filepath.Join(t.TempDir(), "locked")
	path := filepath.Join(dir, "dag.py")
	before := writeFixture(t, "dags/module_level.py", path, 0o644)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	status, _, errOut := runCLI(t, "fix", path)
	if status != exitError || !strings.Contains(errOut, path+": ") || !strings.Contains(errOut, "permission denied") {
		t.Errorf("status %d, stderr %q; want 2 and a permission error naming the file", status, errOut)
	}
	if got := readBytes(t, path); !bytes.Equal(got, before) {
		t.Errorf("the file changed")
	}
}

// escapingDAG is a call whose task id climbs out of the project when it
// becomes a file name, and whose node selector needs a base job template,
// so the fix writes a file named after the task.
const escapingDAG = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
t = KubernetesPodOperator(task_id="../../../escape", image="i:1", cmds=["python", "-c", "print(1)"], node_selector={"pool": "highmem"})
`

// TestDeploymentFilesStayInProject runs fix --deployments where the
// deployment files would land outside the project root: through a task id
// with "..", through symbolic links named prefect.yaml or like the base job
// template, and through a dangling link. Nothing outside the project is
// written, and a DAG whose files cannot be written keeps its calls.
func TestDeploymentFilesStayInProject(t *testing.T) {
	outside := t.TempDir()
	outsideFile := filepath.Join(outside, "victim.json")
	if err := os.WriteFile(outsideFile, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		dag   string
		setup func(t *testing.T, root string)
	}{
		{"task id with dot-dot", escapingDAG, nil},
		{"prefect.yaml links outside", rawFixDAG, func(t *testing.T, root string) {
			symlink(t, outsideFile, filepath.Join(root, "prefect.yaml"))
		}},
		{"dangling prefect.yaml link", rawFixDAG, func(t *testing.T, root string) {
			symlink(t, filepath.Join(outside, "created-by-airshift.yaml"), filepath.Join(root, "prefect.yaml"))
		}},
		{"relative prefect.yaml link", rawFixDAG, func(t *testing.T, root string) {
			rel, err := filepath.Rel(root, outsideFile)
			if err != nil {
				t.Fatal(err)
			}
			symlink(t, rel, filepath.Join(root, "prefect.yaml"))
		}},
		{"template links outside", templateDAG, func(t *testing.T, root string) {
			symlink(t, outsideFile, filepath.Join(root, "pool-task.base-job-template.json"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[project]\nname = \"p\"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			dag := filepath.Join(root, "dags", "dag.py")
			if err := os.MkdirAll(filepath.Dir(dag), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dag, []byte(tc.dag), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, root)
			}
			before := snapshotFolder(t, outside)

			status, _, errOut := runCLI(t, "fix", "--deployments", "--unsafe-fixes", filepath.Join(root, "dags"))
			if status != exitError || !strings.Contains(errOut, "outside the project folder") {
				t.Errorf("status %d, stderr %q; want 2 and a message about the project folder", status, errOut)
			}
			if after := snapshotFolder(t, outside); after != before {
				t.Errorf("the folder outside the project changed:\nbefore %s\nafter  %s", before, after)
			}
			if got := string(readBytes(t, dag)); got != tc.dag {
				t.Errorf("the DAG was rewritten although its deployment files were not written:\n%s", got)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(root)), "escape.base-job-template.json")); err == nil {
				t.Errorf("a base job template was written above the project")
			}
		})
	}
}

// rawFixDAG is a call with a safe rewrite and no base job template.
const rawFixDAG = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
t = KubernetesPodOperator(task_id="plain", image="i:1", cmds=["python", "-c", "print(1)"])
`

// templateDAG is a call whose rewrite needs a base job template.
const templateDAG = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
t = KubernetesPodOperator(task_id="pool_task", image="i:1", cmds=["python", "-c", "print(1)"], node_selector={"pool": "highmem"})
`

// TestDeploymentsThroughDotDotAndLinkedRoot reaches a project through a
// path with ".." and through a symbolic link to its folder. Both are the
// project itself, so the deployment files are written into it, and the
// entrypoint names the DAG relative to the project.
func TestDeploymentsThroughDotDotAndLinkedRoot(t *testing.T) {
	for _, viaLink := range []bool{false, true} {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[project]\nname = \"p\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		dag := filepath.Join(root, "dags", "dag.py")
		if err := os.MkdirAll(filepath.Dir(dag), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dag, []byte(templateDAG), 0o644); err != nil {
			t.Fatal(err)
		}
		base := root
		if viaLink {
			base = filepath.Join(t.TempDir(), "linked-project")
			symlink(t, root, base)
		}
		arg := filepath.Join(base, "dags") + "/../dags/./dag.py"
		status, _, errOut := runCLI(t, "fix", "--deployments", arg)
		if status != exitClean {
			t.Fatalf("via link %v: status %d, stderr %s", viaLink, status, errOut)
		}
		prefect := string(readBytes(t, filepath.Join(root, "prefect.yaml")))
		if !strings.Contains(prefect, `entrypoint: "dags/dag.py:pool_task"`) {
			t.Errorf("via link %v: prefect.yaml lacks the entrypoint relative to the project:\n%s", viaLink, prefect)
		}
		if _, err := os.Stat(filepath.Join(root, "pool-task.base-job-template.json")); err != nil {
			t.Errorf("via link %v: the base job template is not in the project: %v", viaLink, err)
		}
		if viaLink {
			if info, err := os.Lstat(base); err != nil || info.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link to the project was replaced (err %v)", err)
			}
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// snapshotFolder lists every entry of dir with its size and content, so
// that any change inside it shows up as a difference.
func snapshotFolder(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(path)
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.WriteString("=" + strconv.Quote(string(data)))
		}
		b.WriteString("; ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
