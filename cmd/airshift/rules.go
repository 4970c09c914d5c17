package main

import (
	"strings"

	"github.com/airshift/airshift/analysis"
)

// projectURL is the repository that the module path github.com/airshift/airshift names.
const projectURL = "https://github.com/airshift/airshift"

// ruleInfo is the description of a rule code in SARIF and --statistics output.
type ruleInfo struct {
	// name is a kebab-case name, as ruff names its rules.
	name string
	// short is one sentence that fits on one line.
	short string
	full  string
	help  string
	// level is the SARIF level and the GitHub Actions command: "error" or
	// "warning".
	level string
}

// rewriteHelp is the help text of the rules whose calls Airshift can rewrite.
func rewriteHelp(operator string) string {
	return "Run `airshift fix PATH` to apply the safe rewrites, or `airshift fix --unsafe-fixes PATH` " +
		"to also apply the rewrites that need review. `airshift check --format json PATH` shows why a call " +
		"has no rewrite (no_fix_reason) or why its rewrite needs review. `airshift explain " + operator +
		"` prints what the operator becomes in Prefect."
}

// noRewriteHelp is the help text of the rules that have diagnostics and
// hover but no automatic rewrite. operator is the name to pass to airshift
// explain, or a placeholder for the operator that the message names.
func noRewriteHelp(operator string) string {
	return "Airshift has no automatic rewrite for this yet. `airshift explain " + operator +
		"` prints the Prefect pattern to migrate it by hand."
}

// rules describes every rule code that the analysis reports. The README's
// rule table lists the same codes.
var rules = map[string]ruleInfo{
	analysis.SyntaxErrorRule: {
		name:  "syntax-error",
		short: "File does not parse as Python 3",
		full: "The file has a syntax error. Airshift cannot see operator calls inside the part that " +
			"does not parse, and it rewrites nothing in the file.",
		help:  "Fix the syntax error and run `airshift check` again.",
		level: "error",
	},
	"AS100": {
		name:  "mapped-operator",
		short: "Call of an operator that a mapping document describes",
		full: "A call of an Airflow operator that a mapping document passed with --mappings describes. " +
			"The message gives the first sentence of the mapping's Prefect pattern.",
		help:  noRewriteHelp("OPERATOR"),
		level: "warning",
	},
	"AS101": {
		name:  "kubernetes-pod-operator",
		short: "KubernetesPodOperator call to migrate to a Prefect flow",
		full: "A KubernetesPodOperator call, resolved through its import from any of the three modules " +
			"it has lived in. In Prefect it becomes a @flow run by a Kubernetes work pool, with the pod's " +
			"image, environment and resources as job variables.",
		help:  rewriteHelp("KubernetesPodOperator"),
		level: "warning",
	},
	"AS102": {
		name:  "gke-start-pod-operator",
		short: "GKEStartPodOperator call to migrate to a Prefect flow",
		full: "A GKEStartPodOperator call. In Prefect it becomes a @flow run by a Kubernetes work pool " +
			"on the GKE cluster, with the pod's image, environment and resources as job variables.",
		help:  rewriteHelp("GKEStartPodOperator"),
		level: "warning",
	},
	"AS103": {
		name:  "eks-pod-operator",
		short: "EksPodOperator call to migrate to a Prefect flow",
		full: "An EksPodOperator (or older EKSPodOperator) call. In Prefect it becomes a @flow run by a " +
			"Kubernetes work pool on the EKS cluster, with the pod's image, environment and resources as " +
			"job variables.",
		help:  rewriteHelp("EksPodOperator"),
		level: "warning",
	},
	"AS104": {
		name:  "kubernetes-job-operator",
		short: "KubernetesJobOperator call to migrate to a Prefect flow",
		full: "A KubernetesJobOperator call. In Prefect it becomes a @flow run by a Kubernetes work pool, " +
			"with the Job's image, environment and resources as job variables.",
		help:  rewriteHelp("KubernetesJobOperator"),
		level: "warning",
	},
	"AS105": {
		name:  "task-kubernetes-decorator",
		short: "Function decorated with @task.kubernetes to migrate to a Prefect flow",
		full: "A function decorated with @task.kubernetes(...). In Prefect it becomes a @flow deployed " +
			"to a Kubernetes work pool, with the decorator's image and resources as job variables.",
		help:  noRewriteHelp("kubernetes_task"),
		level: "warning",
	},
	"AS106": {
		name:  "operator-subclass",
		short: "Call of a class that subclasses a mapped operator",
		full: "A call of a class defined in the file that subclasses a mapped operator, such as " +
			"KubernetesPodOperator. The subclass may change what the pod runs, so it is migrated by hand.",
		help:  noRewriteHelp("BASE_OPERATOR"),
		level: "warning",
	},
	"AS107": {
		name:  "operator-factory",
		short: "Call of a function that returns a mapped operator",
		full: "A call of a function defined in the file that returns a mapped operator, such as " +
			"KubernetesPodOperator. The operator it builds migrates to a Prefect @flow.",
		help:  noRewriteHelp("OPERATOR"),
		level: "warning",
	},
	"AS201": {
		name:  "operator-execute-in-flow",
		short: "Airflow operator executed inside a Prefect flow or task",
		full: "A Prefect @flow or @task calls an Airflow operator's execute(). Wrapping the operator " +
			"keeps Airflow's runtime inside Prefect.",
		help:  "Deploy the flow to a Kubernetes work pool that runs the operator's image instead of wrapping the Airflow operator.",
		level: "warning",
	},
	"AS202": {
		name:  "kubernetes-client-in-flow",
		short: "Pod or Job created with the kubernetes client inside a Prefect flow or task",
		full: "A Prefect @flow or @task creates a pod or Job through kubernetes.client, which re-implements " +
			"what a Kubernetes work pool does.",
		help:  "Let the Kubernetes work pool run the flow, or run a Job with prefect-kubernetes' KubernetesJob.",
		level: "warning",
	},
	"AS203": {
		name:  "container-run-in-flow",
		short: "Container image run through subprocess or the Docker SDK inside a Prefect flow or task",
		full:  "A Prefect @flow or @task starts a container with docker, podman or kubectl run, or the Docker SDK.",
		help:  "Give the flow the image through the work pool's image job variable.",
		level: "warning",
	},
}

// describeRule returns the description of code. A code missing from rules
// gets a generic description, so a rule added to the analysis still shows
// up in SARIF output.
func describeRule(code string) ruleInfo {
	if info, ok := rules[code]; ok {
		return info
	}
	return ruleInfo{
		name:  strings.ToLower(code),
		short: "Airshift rule " + code,
		full:  "Airshift rule " + code + ". The result message describes the finding.",
		help:  "See " + projectURL + " for the rule list.",
		level: "warning",
	}
}
