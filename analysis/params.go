package analysis

// Destination is the place in Prefect that a KubernetesPodOperator argument goes to.
type Destination int

const (
	DestUnknown     Destination = iota
	DestJobVariable             // a job variable of the default Kubernetes base job template
	DestTemplate                // a field of a custom base job template, at a manifest path
	DestFlowCode                // the generated flow: its body, decorator or parameters
	DestDeployment              // the deployment: entrypoint, name, schedule, parameters
	DestNone                    // no Prefect equivalent
)

func (d Destination) String() string {
	switch d {
	case DestJobVariable:
		return "job variable"
	case DestTemplate:
		return "custom base job template"
	case DestFlowCode:
		return "flow code"
	case DestDeployment:
		return "deployment"
	case DestNone:
		return "no Prefect equivalent"
	}
	return "not mapped"
}

// ParamInfo is the destination of one operator argument.
type ParamInfo struct {
	Dest Destination
	// Target is the job variable name, manifest path or flow element.
	Target string
	Note   string
}

const (
	podSpec       = "/spec/template/spec"
	mainContainer = "/spec/template/spec/containers/0"
)

// noEquivalentWatch explains the Airflow-side polling and logging knobs: the
// Prefect worker watches the Job itself and reports a crash as a Crashed state.
const noEquivalentWatch = "the Prefect worker watches the Job itself"

// kubernetesPodParams maps every KubernetesPodOperator argument, including
// renamed and removed ones, to its place in Prefect. Facts: the operator's
// signature in apache-airflow-providers-cncf-kubernetes 10.x and the
// prefect-kubernetes 0.7 worker's default base job template.
var kubernetesPodParams = map[string]ParamInfo{
	"task_id":            {DestFlowCode, "flow name and function name", ""},
	"image":              {DestJobVariable, "image", "the image must also contain prefect and the flow code"},
	"namespace":          {DestJobVariable, "namespace", ""},
	"name":               {DestJobVariable, "name", "prefix of the Job's generateName"},
	"random_name_suffix": {DestNone, "", "the worker always adds a random suffix to the Job name"},
	"cmds":               {DestFlowCode, "flow body", "the pool's container must run Prefect's runner, so the command becomes the flow body"},
	"arguments":          {DestFlowCode, "flow body", "the pool's container must run Prefect's runner, so the arguments become the flow body"},
	"env_vars":           {DestJobVariable, "env", "each variable also becomes a flow parameter"},
	"labels":             {DestJobVariable, "labels", ""},
	"annotations":        {DestJobVariable, "annotations", "needs prefect-kubernetes 0.7.6 or later"},
	"container_resources": {DestJobVariable, "cpu_request, cpu_limit, memory_request, memory_limit",
		"other resources, such as GPUs or ephemeral storage, need a custom template at " + mainContainer + "/resources"},
	"resources": {DestJobVariable, "cpu_request, cpu_limit, memory_request, memory_limit",
		"legacy name of container_resources"},
	"service_account_name":                   {DestJobVariable, "service_account_name", ""},
	"image_pull_policy":                      {DestJobVariable, "image_pull_policy", "Prefect's default is IfNotPresent"},
	"startup_timeout_seconds":                {DestJobVariable, "pod_watch_timeout_seconds", ""},
	"schedule_timeout_seconds":               {DestJobVariable, "pod_watch_timeout_seconds", ""},
	"get_logs":                               {DestJobVariable, "stream_output", ""},
	"is_delete_operator_pod":                 {DestJobVariable, "finished_job_ttl", "True deletes the finished Job; False keeps it"},
	"on_finish_action":                       {DestJobVariable, "finished_job_ttl", "one TTL applies to success and failure alike"},
	"node_selector":                          {DestTemplate, podSpec + "/nodeSelector", ""},
	"node_selectors":                         {DestTemplate, podSpec + "/nodeSelector", "legacy name of node_selector"},
	"tolerations":                            {DestTemplate, podSpec + "/tolerations", ""},
	"affinity":                               {DestTemplate, podSpec + "/affinity", ""},
	"volumes":                                {DestTemplate, podSpec + "/volumes", ""},
	"volume_mounts":                          {DestTemplate, mainContainer + "/volumeMounts", ""},
	"ports":                                  {DestTemplate, mainContainer + "/ports", ""},
	"image_pull_secrets":                     {DestTemplate, podSpec + "/imagePullSecrets", "a list of {name: SECRET}"},
	"security_context":                       {DestTemplate, podSpec + "/securityContext", ""},
	"container_security_context":             {DestTemplate, mainContainer + "/securityContext", ""},
	"init_containers":                        {DestTemplate, podSpec + "/initContainers", ""},
	"priority_class_name":                    {DestTemplate, podSpec + "/priorityClassName", ""},
	"hostnetwork":                            {DestTemplate, podSpec + "/hostNetwork", ""},
	"dnspolicy":                              {DestTemplate, podSpec + "/dnsPolicy", ""},
	"dns_config":                             {DestTemplate, podSpec + "/dnsConfig", ""},
	"hostname":                               {DestTemplate, podSpec + "/hostname", ""},
	"subdomain":                              {DestTemplate, podSpec + "/subdomain", ""},
	"host_aliases":                           {DestTemplate, podSpec + "/hostAliases", ""},
	"schedulername":                          {DestTemplate, podSpec + "/schedulerName", ""},
	"runtime_class_name":                     {DestTemplate, podSpec + "/runtimeClassName", ""},
	"automount_service_account_token":        {DestTemplate, podSpec + "/automountServiceAccountToken", ""},
	"termination_grace_period":               {DestTemplate, podSpec + "/terminationGracePeriodSeconds", ""},
	"termination_message_policy":             {DestTemplate, mainContainer + "/terminationMessagePolicy", ""},
	"active_deadline_seconds":                {DestTemplate, "/spec/activeDeadlineSeconds", ""},
	"env_from":                               {DestTemplate, mainContainer + "/envFrom", ""},
	"configmaps":                             {DestTemplate, mainContainer + "/envFrom", "each ConfigMap becomes a configMapRef entry"},
	"secrets":                                {DestTemplate, mainContainer + "/env and /envFrom", "a Secret with a key becomes a secretKeyRef env entry; one without a key becomes envFrom; a volume Secret becomes a secret volume and mount"},
	"pod_runtime_info_envs":                  {DestTemplate, mainContainer + "/env", "fieldRef env entries"},
	"full_pod_spec":                          {DestTemplate, "/spec/template", "merge into the template, keeping the prefect-job container and restartPolicy Never"},
	"pod_template_file":                      {DestTemplate, "/spec/template", "merge into the template, keeping the prefect-job container and restartPolicy Never"},
	"pod_template_dict":                      {DestTemplate, "/spec/template", "merge into the template, keeping the prefect-job container and restartPolicy Never"},
	"kubernetes_conn_id":                     {DestJobVariable, "cluster_config", "or run the worker inside the target cluster"},
	"in_cluster":                             {DestJobVariable, "cluster_config", "a worker running in the cluster uses its own service account"},
	"cluster_context":                        {DestJobVariable, "cluster_config", "the KubernetesClusterConfig block names the context"},
	"config_file":                            {DestJobVariable, "cluster_config", "the KubernetesClusterConfig block holds the kubeconfig"},
	"do_xcom_push":                           {DestFlowCode, "return value", "return the value from the flow instead of writing /airflow/xcom/return.json"},
	"xcom_push":                              {DestFlowCode, "return value", "legacy name of do_xcom_push"},
	"skip_on_exit_code":                      {DestNone, "", "no skipped state; return prefect.states.Completed(name=\"Skipped\") from the flow instead"},
	"skip_exit_code":                         {DestNone, "", "legacy name of skip_on_exit_code; no skipped state in Prefect"},
	"reattach_on_restart":                    {DestNone, "", noEquivalentWatch},
	"deferrable":                             {DestNone, "", noEquivalentWatch},
	"poll_interval":                          {DestNone, "", noEquivalentWatch},
	"trigger_kwargs":                         {DestNone, "", noEquivalentWatch},
	"logging_interval":                       {DestNone, "", noEquivalentWatch},
	"startup_check_interval_seconds":         {DestNone, "", noEquivalentWatch},
	"base_container_status_polling_interval": {DestNone, "", noEquivalentWatch},
	"init_container_logs":                    {DestNone, "", noEquivalentWatch},
	"container_logs":                         {DestNone, "", noEquivalentWatch},
	"container_name_log_prefix_enabled":      {DestNone, "", noEquivalentWatch},
	"log_formatter":                          {DestNone, "", noEquivalentWatch},
	"log_events_on_failure":                  {DestNone, "", noEquivalentWatch},
	"log_pod_spec_on_failure":                {DestNone, "", noEquivalentWatch},
	"base_container_name":                    {DestNone, "", "a work pool's container must be named prefect-job"},
	"callbacks":                              {DestFlowCode, "state hooks", "use on_completion, on_failure and on_crashed hooks on the flow"},
	"progress_callback":                      {DestFlowCode, "state hooks", "legacy name of callbacks"},
	"retries":                                {DestFlowCode, "@flow(retries=...)", ""},
	"retry_delay":                            {DestFlowCode, "@flow(retry_delay_seconds=...)", ""},
	"execution_timeout":                      {DestFlowCode, "@flow(timeout_seconds=...)", ""},
	"params":                                 {DestDeployment, "parameters", "flow parameters with defaults in the deployment"},
	"pool":                                   {DestDeployment, "concurrency_limit", "use a work pool or global concurrency limit"},
	"pool_slots":                             {DestDeployment, "concurrency_limit", ""},
	"queue":                                  {DestDeployment, "work_pool.work_queue_name", ""},
	"priority_weight":                        {DestDeployment, "work queue priority", ""},
	"dag":                                    {DestNone, "", "the flow replaces the task; the DAG keeps its other tasks"},
	"doc_md":                                 {DestFlowCode, "docstring", ""},
	"doc":                                    {DestFlowCode, "docstring", ""},
	"owner":                                  {DestDeployment, "tags", ""},
	"email":                                  {DestNone, "", "use a Prefect automation with an email notification"},
	"email_on_failure":                       {DestNone, "", "use a Prefect automation with an email notification"},
	"email_on_retry":                         {DestNone, "", "use a Prefect automation with an email notification"},
	"trigger_rule":                           {DestNone, "", "express the condition in the parent flow's code"},
	"depends_on_past":                        {DestNone, "", "express the condition in the parent flow's code"},
	"wait_for_downstream":                    {DestNone, "", "express the condition in the parent flow's code"},
	"sla":                                    {DestDeployment, "sla", ""},
	"max_active_tis_per_dag":                 {DestDeployment, "concurrency_limit", ""},
	"executor_config":                        {DestNone, "", "infrastructure comes from the work pool"},
	"on_success_callback":                    {DestFlowCode, "on_completion hook", ""},
	"on_failure_callback":                    {DestFlowCode, "on_failure hook", ""},
	"on_retry_callback":                      {DestNone, "", "Prefect has no retry hook; use on_failure"},
	"on_execute_callback":                    {DestFlowCode, "on_running hook", ""},
	"start_date":                             {DestDeployment, "schedule anchor_date", ""},
	"end_date":                               {DestNone, "", "pause the deployment's schedule instead"},
}

// clusterNote explains the arguments that choose a managed cluster.
const clusterNote = "run the Prefect worker in that cluster, or point the cluster_config job variable at it"

// relativeParams holds the arguments the relatives of KubernetesPodOperator
// add on top of its own.
var relativeParams = map[string]map[string]ParamInfo{
	"GKEStartPodOperator": {
		"project_id":          {DestJobVariable, "cluster_config", clusterNote},
		"location":            {DestJobVariable, "cluster_config", clusterNote},
		"cluster_name":        {DestJobVariable, "cluster_config", clusterNote},
		"use_internal_ip":     {DestJobVariable, "cluster_config", clusterNote},
		"regional":            {DestJobVariable, "cluster_config", clusterNote},
		"gcp_conn_id":         {DestJobVariable, "cluster_config", "the worker's Google credentials replace the connection"},
		"impersonation_chain": {DestJobVariable, "cluster_config", "the worker's Google credentials replace the connection"},
	},
	"EksPodOperator": {
		"cluster_name": {DestJobVariable, "cluster_config", clusterNote},
		"region":       {DestJobVariable, "cluster_config", clusterNote},
		"aws_conn_id":  {DestJobVariable, "cluster_config", "the worker's AWS credentials replace the connection"},
		"pod_name":     {DestJobVariable, "name", "legacy name of name"},
	},
	"KubernetesJobOperator": {
		"backoff_limit":              {DestJobVariable, "backoff_limit", "needs prefect-kubernetes 0.5.9 or later"},
		"ttl_seconds_after_finished": {DestJobVariable, "finished_job_ttl", ""},
		"completion_mode":            {DestTemplate, "/spec/completionMode", ""},
		"manual_selector":            {DestTemplate, "/spec/manualSelector", ""},
		"selector":                   {DestTemplate, "/spec/selector", ""},
		"suspend":                    {DestTemplate, "/spec/suspend", ""},
		"job_template_file":          {DestTemplate, "/", "merge into job_manifest, keeping the prefect-job container and restartPolicy Never"},
		"full_job_spec":              {DestTemplate, "/", "merge into job_manifest, keeping the prefect-job container and restartPolicy Never"},
		"wait_until_job_complete":    {DestNone, "", "a flow run always waits for its Job"},
		"job_poll_interval":          {DestNone, "", noEquivalentWatch},
		"on_kill_propagation_policy": {DestNone, "", "the worker deletes the Job when a run is cancelled"},
		"discover_pods_retry_number": {DestNone, "", noEquivalentWatch},
		"unwrap_single":              {DestNone, "", "the flow returns its result directly"},
	},
}

func init() {
	relativeParams["EKSPodOperator"] = relativeParams["EksPodOperator"]
}

// kubernetesFamily lists the operators that run a pod the way
// KubernetesPodOperator does and share its rewrite.
var kubernetesFamily = map[string]bool{
	"KubernetesPodOperator": true, "GKEStartPodOperator": true, "EksPodOperator": true,
	"EKSPodOperator": true, "KubernetesJobOperator": true,
}

// ParamFor returns where argument name of the mapped operator goes.
func ParamFor(operator, name string) (ParamInfo, bool) {
	if !kubernetesFamily[operator] && operator != "kubernetes_task" {
		return ParamInfo{}, false
	}
	if p, ok := relativeParams[operator][name]; ok {
		return p, true
	}
	p, ok := kubernetesPodParams[name]
	return p, ok
}
