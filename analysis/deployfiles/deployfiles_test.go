package deployfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airshift/airshift/analysis"
)

// TestPlanKeepsCallersDeployment plans a deployment whose name prefect.yaml
// already uses: the planned entry takes a numbered name, and the caller's
// deployment keeps its own.
func TestPlanKeepsCallersDeployment(t *testing.T) {
	root := t.TempDir()
	existing := "deployments:\n- name: b\n  entrypoint: other.py:b\n"
	if err := os.WriteFile(filepath.Join(root, "prefect.yaml"), []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &analysis.Deployment{Name: "b", Entrypoint: "dags/test.py:b", WorkPool: "kubernetes-pool"}
	changes, err := Plan(root, []*analysis.Deployment{d})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 {
		t.Fatalf("got %d changes, want the prefect.yaml change only", len(changes))
	}
	if !strings.Contains(string(changes[0].New), "b-2") {
		t.Errorf("the planned prefect.yaml has no entry b-2:\n%s", changes[0].New)
	}
	if d.Name != "b" {
		t.Errorf("the caller's deployment was renamed to %q, want it kept as b", d.Name)
	}
}
