package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/deployfiles"
)

// planDeployments computes the prefect.yaml and base job template changes
// for the deployments of the rewrites of dagPath, in its project root (the
// DAG's folder without a root). Rewrites without a deployment add nothing.
func planDeployments(dagPath string, deployments []*analysis.Deployment) ([]deployfiles.Change, error) {
	var present []*analysis.Deployment
	for _, d := range deployments {
		if d != nil {
			present = append(present, d)
		}
	}
	if len(present) == 0 {
		return nil, nil
	}
	abs, err := filepath.Abs(dagPath)
	if err != nil {
		return nil, err
	}
	return deployfiles.Plan(projectFolder(abs), present)
}

// writeDeployments writes the planned changes for the DAG file at dagPath,
// or prints them as a diff.
func writeDeployments(dagPath string, changes []deployfiles.Change, diff bool, stdout, stderr io.Writer) error {
	if len(changes) == 0 {
		return nil
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
	for _, c := range changes {
		fmt.Fprintf(stderr, "airshift: wrote %s for the flows of %s\n", c.Path, dagPath)
	}
	return nil
}
