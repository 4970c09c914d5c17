"""Templated arguments: Airflow renders the Jinja before the pod starts."""
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

with DAG(
    dag_id="regional_sales_export",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=True,
    params={"region": "emea"},
    tags=["exports"],
) as dag:
    export_sales = KubernetesPodOperator(
        task_id="export_sales",
        name="export-sales",
        namespace="exports",
        image="registry.example.com/exports/sales:1.0.7",
        cmds=["python", "/app/export.py"],
        arguments=[
            "--date", "{{ ds }}",
            "--region", "{{ params.region }}",
            "--bucket", "{{ var.value.bucket }}",
            "--run-id", "{{ run_id }}",
        ],
        get_logs=True,
    )

    publish_sales = KubernetesPodOperator(
        task_id="publish_sales",
        name="publish-sales",
        namespace="exports",
        image="registry.example.com/exports/sales:1.0.7",
        cmds=["python", "-c"],
        arguments=["import publish; publish.main()"],
        env_vars={
            "EXPORT_DATE": "{{ ds_nodash }}",
            "TARGET_PREFIX": "s3://{{ var.value.bucket }}/sales/{{ params.region }}/",
            "REQUESTED_BY": "{{ dag_run.conf.get('requested_by', 'scheduler') }}",
        },
        get_logs=True,
    )

    export_sales >> publish_sales
