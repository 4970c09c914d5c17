package analysis

import (
	"context"

	"github.com/airshift/airshift/mappings"
)

// maxFixRounds bounds FixAll; each round applies one fix, and a file rarely
// holds more than a few dozen operator calls.
const maxFixRounds = 500

// FixAll applies fixes one at a time, re-parsing after each, until none of
// the allowed kind is left. It returns the new text and how many fixes it
// applied. With unsafe set, fixes that need review are applied too.
func FixAll(ctx context.Context, src []byte, reg *mappings.Registry, opts Options, unsafe bool) ([]byte, int, error) {
	out, deployments, err := FixAllDeployments(ctx, src, reg, opts, unsafe)
	return out, len(deployments), err
}

// FixAllDeployments is FixAll that also returns the deployment of each fix
// it applied, in order; a fix that needs no deployment entry adds nil.
func FixAllDeployments(ctx context.Context, src []byte, reg *mappings.Registry, opts Options, unsafe bool) ([]byte, []*Deployment, error) {
	// Every applied fix must be proven valid Python first.
	opts.DeferRewriteCheck = false
	var applied []*Deployment
	for round := 0; round < maxFixRounds; round++ {
		tree, err := Parse(ctx, src, nil)
		if err != nil {
			return nil, applied, err
		}
		res := Analyze(NewFile(src, tree, reg), opts)
		var chosen *Fix
		for i := range res.Findings {
			fd := &res.Findings[i]
			for j := range fd.Fixes {
				fx := &fd.Fixes[j]
				if fx.Safety == Safe || unsafe {
					chosen = fx
					break
				}
			}
			if chosen != nil {
				break
			}
		}
		if chosen == nil {
			tree.Close()
			return src, applied, nil
		}
		out, err := ApplyEdits(src, chosen.Edits)
		tree.Close()
		if err != nil {
			return nil, applied, err
		}
		src = out
		applied = append(applied, chosen.Deployment)
	}
	return src, applied, nil
}
