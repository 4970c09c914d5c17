"""Clickstream jobs on Acme's in-house Spark operator, a KubernetesPodOperator subclass."""
import pendulum

from airflow import DAG
from acme.airflow.operators.spark import AcmeSparkOperator

SPARK_IMAGE = "registry.acme.internal/data/spark-jobs:2.3.0"

with DAG(
    dag_id="clickstream_spark",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    tags=["spark", "clickstream"],
) as dag:
    sessionize = AcmeSparkOperator(
        task_id="sessionize_clicks",
        job="acme_jobs.sessionize",
        job_args={"date": "{{ ds }}"},
        spark_conf={"spark.sql.shuffle.partitions": "64"},
        driver_memory="4g",
        image=SPARK_IMAGE,
        namespace="spark",
        get_logs=True,
    )

    funnel = AcmeSparkOperator(
        task_id="build_conversion_funnel",
        job="acme_jobs.funnel",
        job_args={"date": "{{ ds }}", "steps": "view,cart,checkout"},
        driver_memory="2g",
        image=SPARK_IMAGE,
    )

    sessionize >> funnel
