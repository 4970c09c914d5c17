"""Tab-indented DAG: every indentation level below is one TAB character."""
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

WAREHOUSES = ["berlin", "lyon", "porto"]

with DAG(
	dag_id="inventory_snapshot",
	schedule="0 */4 * * *",
	start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
	catchup=False,
	tags=["inventory"],
) as dag:
	snapshot = KubernetesPodOperator(
		task_id="snapshot_inventory",
		name="snapshot-inventory",
		namespace="inventory",
		image="registry.example.com/inventory/snapshot:1.1.0",
		cmds=["python", "-c"],
		arguments=["import snapshot; snapshot.take()"],
		env_vars={"WAREHOUSES": ",".join(WAREHOUSES)},
		container_resources=k8s.V1ResourceRequirements(
			requests={"cpu": "250m", "memory": "256Mi"},
		),
		get_logs=True,
	)

	for warehouse in WAREHOUSES:
		# One reconcile pod per warehouse, all fed by the same snapshot.
		reconcile = KubernetesPodOperator(
			task_id=f"reconcile_{warehouse}",
			name=f"reconcile-{warehouse}",
			namespace="inventory",
			image="registry.example.com/inventory/snapshot:1.1.0",
			cmds=["python", "-c"],
			arguments=[f"import snapshot; snapshot.reconcile('{warehouse}')"],
			get_logs=True,
		)
		snapshot >> reconcile
