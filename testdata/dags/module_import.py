"""Operator reached through its module, plus a factory with a function-local import."""
from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators import pod

REPORTS_IMAGE = "registry.example.com/reports/builder:2.2.5"


def make_report_task(report_name: str, dag: DAG):
    """Build the pod task that renders one named report."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    return KubernetesPodOperator(
        task_id=f"build_{report_name}_report",
        name=f"build-{report_name}-report",
        namespace="reports",
        image=REPORTS_IMAGE,
        cmds=["python", "-c"],
        arguments=[f"from reports import build; build('{report_name}')"],
        env_vars={"REPORT_NAME": report_name},
        get_logs=True,
        dag=dag,
    )


with DAG(
    dag_id="monthly_finance_reports",
    schedule="0 7 1 * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["reports", "finance"],
) as dag:
    refresh_views = pod.KubernetesPodOperator(
        task_id="refresh_materialized_views",
        name="refresh-views",
        namespace="reports",
        image=REPORTS_IMAGE,
        cmds=["python", "-c"],
        arguments=["from reports import views; views.refresh_all()"],
        service_account_name="reports-writer",
        image_pull_policy="Always",
        get_logs=True,
    )

    for report in ("balance_sheet", "cash_flow"):
        refresh_views >> make_report_task(report, dag)
