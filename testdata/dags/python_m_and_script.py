"""Commands other than `python -c`: a module, a script with arguments, and a shell."""
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

with DAG(
    dag_id="clickstream_batch",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2024, 2, 1, tz="UTC"),
    catchup=False,
    tags=["etl", "clickstream"],
) as dag:
    sessionize = KubernetesPodOperator(
        task_id="sessionize_clicks",
        name="sessionize-clicks",
        namespace="etl",
        image="registry.example.com/team/app:1.4.2",
        cmds=["python", "-m", "mypkg.job"],
        env_vars={"JOB_NAME": "sessionize"},
        get_logs=True,
    )

    aggregate = KubernetesPodOperator(
        task_id="aggregate_sessions",
        name="aggregate-sessions",
        namespace="etl",
        image="registry.example.com/team/app:1.4.2",
        cmds=["python", "/app/run.py"],
        arguments=["--date", "2024-01-01"],
        get_logs=True,
    )

    archive = KubernetesPodOperator(
        task_id="archive_raw_clicks",
        name="archive-raw-clicks",
        namespace="etl",
        image="registry.example.com/team/tools:2.0.0",
        cmds=["bash", "-c"],
        arguments=["set -euo pipefail; gsutil -m mv gs://acme-clicks/raw/* gs://acme-clicks/archive/"],
        service_account_name="etl-archiver",
        get_logs=True,
    )

    sessionize >> aggregate >> archive
