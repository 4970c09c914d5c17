"""XCom hand-off: the first pod writes /airflow/xcom/return.json and later tasks read it.

The pushed value is the manifest URI, a JSON string, so it can go straight into
the next pod's arguments.
"""
import pendulum

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator


def log_manifest(manifest_uri: str) -> None:
    print(f"partner feed manifest: {manifest_uri}")


with DAG(
    dag_id="partner_feed_ingestion",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2024, 3, 1, tz="UTC"),
    catchup=False,
    tags=["ingestion", "partners"],
) as dag:
    download = KubernetesPodOperator(
        task_id="download_partner_feed",
        name="download-partner-feed",
        namespace="ingestion",
        image="registry.example.com/ingestion/partner-feed:1.6.0",
        cmds=["python", "-c"],
        arguments=["from feed import download; download.write_manifest_uri('/airflow/xcom/return.json')"],
        do_xcom_push=True,
        get_logs=True,
    )

    load = KubernetesPodOperator(
        task_id="load_partner_feed",
        name="load-partner-feed",
        namespace="ingestion",
        image="registry.example.com/ingestion/partner-feed:1.6.0",
        cmds=["python", "-m", "feed.load"],
        arguments=["--manifest-uri", download.output],
        get_logs=True,
    )

    report = PythonOperator(
        task_id="log_manifest",
        python_callable=log_manifest,
        op_kwargs={"manifest_uri": download.output},
    )

    download >> [load, report]
