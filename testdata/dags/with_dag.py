"""Daily order ingestion: pull orders from the shop API, normalise them, load them.

Extract and transform run in pods, while the load step is a plain Bash task on the worker.
"""
import pendulum

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

IMAGE = "registry.example.com/ingestion/orders:2.7.0"

with DAG(
    dag_id="orders_ingestion",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["ingestion", "orders"],
) as dag:
    start = EmptyOperator(task_id="start")

    extract = KubernetesPodOperator(
        task_id="extract_orders",
        name="extract-orders",
        namespace="ingestion",
        image=IMAGE,
        cmds=["python", "-m", "orders.extract"],
        arguments=["--since", "{{ data_interval_start }}", "--until", "{{ data_interval_end }}"],
        env_vars={"SHOP_API_URL": "https://shop.example.com/api/v2"},
        service_account_name="ingestion",
        get_logs=True,
        image_pull_policy="IfNotPresent",
    )

    transform = KubernetesPodOperator(
        task_id="transform_orders",
        name="transform-orders",
        namespace="ingestion",
        image=IMAGE,
        cmds=["python", "-c"],
        arguments=["import orders.transform as t; t.normalise('{{ ds }}')"],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "500m", "memory": "1Gi"},
            limits={"memory": "2Gi"},
        ),
        get_logs=True,
    )

    load = BashOperator(
        task_id="load_orders",
        bash_command="psql \"$WAREHOUSE_DSN\" -f /opt/sql/load_orders.sql -v ds='{{ ds }}'",
    )

    start >> extract >> transform >> load
