"""Provider 1.x to 5.2 import path, deprecated in provider 5.3.0."""
from datetime import datetime

from airflow import DAG
from airflow.kubernetes.secret import Secret
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator
from kubernetes.client import models as k8s

db_password = Secret(
    deploy_type="env",
    deploy_target="DB_PASSWORD",
    secret="billing-db",
    key="password",
)

with DAG(
    dag_id="billing_invoice_export",
    schedule_interval="30 1 * * *",
    start_date=datetime(2022, 5, 1),
    catchup=False,
    tags=["billing", "export"],
) as dag:
    export_invoices = KubernetesPodOperator(
        task_id="export_invoices",
        name="export-invoices",
        namespace="billing",
        image="registry.example.com/billing/exporter:5.0.1",
        cmds=["python", "-c"],
        arguments=["from exporter import invoices; invoices.export_day('{{ ds }}')"],
        env_vars=[
            k8s.V1EnvVar(name="DB_HOST", value="billing-db.billing.svc"),
            k8s.V1EnvVar(name="EXPORT_FORMAT", value="parquet"),
        ],
        secrets=[db_password],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "500m", "memory": "1Gi"},
        ),
        service_account_name="billing-exporter",
        is_delete_operator_pod=True,
        get_logs=True,
        startup_timeout_seconds=240,
    )
