package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/deployfiles"
)

// writeDeployments adds the deployments of the rewrites of dagPath to the
// prefect.yaml of its project root (the DAG's folder without a root), and
// writes their base job templates beside it. With diff set it prints the
// changes instead.
func writeDeployments(dagPath string, deployments []*analysis.Deployment, diff bool, stdout, stderr io.Writer) error {
	abs, err := filepath.Abs(dagPath)
	if err != nil {
		return err
	}
	root, ok := projectRoot(abs)
	if !ok {
		root = filepath.Dir(abs)
	}
	changes, err := deployfiles.Plan(root, deployments)
	if err != nil {
		return err
	}
	if diff {
		for _, c := range changes {
			if string(c.Old) != string(c.New) {
				fmt.Fprint(stdout, unifiedDiff(c.Path, c.Old, c.New))
			}
		}
		return nil
	}
	if err := deployfiles.Apply(changes); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "airshift: wrote %d %s to %s\n", len(deployments), plural(len(deployments), "deployment", "deployments"), changes[len(changes)-1].Path)
	return nil
}
