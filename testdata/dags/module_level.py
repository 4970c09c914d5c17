"""Nightly rebuild of the customer dimension table.

The task runs the ETL package's entry point with `python -c` in its own pod.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

default_args = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG(
    dag_id="customer_dimension_rebuild",
    description="Rebuild dim_customer from the raw CRM export",
    schedule="0 3 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args,
    tags=["etl", "warehouse"],
)

rebuild_dim_customer = KubernetesPodOperator(
    task_id="rebuild_dim_customer",
    name="rebuild-dim-customer",
    namespace="data-pipelines",
    image="registry.example.com/data/etl:1.4.2",
    image_pull_policy="Always",
    cmds=["python", "-c"],
    arguments=["from etl.customers import rebuild; rebuild(full_refresh=False)"],
    env_vars={
        "WAREHOUSE_SCHEMA": "analytics",
        "CRM_EXPORT_PREFIX": "s3://acme-raw/crm/",
        "LOG_LEVEL": "INFO",
    },
    container_resources=k8s.V1ResourceRequirements(
        requests={"cpu": "1", "memory": "2Gi"},
        limits={"cpu": "2", "memory": "4Gi"},
    ),
    service_account_name="etl-runner",
    get_logs=True,
    startup_timeout_seconds=300,
    on_finish_action="delete_pod",
    dag=dag,
)
