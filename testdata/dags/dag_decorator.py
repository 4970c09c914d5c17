"""Weekly revenue report, written with the TaskFlow `@dag` decorator."""
import pendulum

from airflow.decorators import dag, task
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s


@dag(
    dag_id="weekly_revenue_report",
    schedule="0 6 * * MON",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Berlin"),
    catchup=False,
    tags=["reports"],
)
def weekly_revenue_report():
    @task
    def announce() -> str:
        return "revenue report starting"

    render = KubernetesPodOperator(
        task_id="render_revenue_report",
        name="render-revenue-report",
        namespace="reports",
        image="registry.example.com/reports/renderer:3.1.0",
        cmds=["python", "-c"],
        arguments=["from reports import revenue; revenue.render(period='weekly')"],
        env_vars={"REPORT_BUCKET": "acme-reports", "TZ": "Europe/Berlin"},
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "512Mi"},
        ),
        service_account_name="reports-writer",
        image_pull_policy="Always",
        get_logs=True,
        startup_timeout_seconds=180,
    )

    announce() >> render


weekly_revenue_report()
