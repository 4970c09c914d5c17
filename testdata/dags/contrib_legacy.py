"""Airflow 1.10 style DAG: the operator comes from the old contrib module.

The legacy `resources` dict and `is_delete_operator_pod` are still common in
repositories that were never moved to the provider package.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator
from airflow.operators.dummy_operator import DummyOperator

default_args = {
    "owner": "geo",
    "depends_on_past": False,
    "start_date": datetime(2020, 6, 1),
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
}

dag = DAG(
    "satellite_tiles_ingest",
    default_args=default_args,
    schedule_interval="0 */6 * * *",
    catchup=False,
)

begin = DummyOperator(task_id="begin", dag=dag)

fetch_tiles = KubernetesPodOperator(
    namespace="processing",
    image="registry.example.com/geo/tiles:0.9.3",
    cmds=["python", "-c"],
    arguments=["from tiles import fetch; fetch.run(region='eu-west')"],
    labels={"team": "geo", "step": "fetch"},
    name="fetch-tiles",
    task_id="fetch_tiles",
    in_cluster=True,
    get_logs=True,
    is_delete_operator_pod=True,
    image_pull_policy="Always",
    resources={
        "request_cpu": "1000m",
        "request_memory": "2Gi",
        "limit_cpu": "2000m",
        "limit_memory": "4Gi",
    },
    dag=dag,
)

index_tiles = KubernetesPodOperator(
    namespace="processing",
    image="registry.example.com/geo/tiles:0.9.3",
    cmds=["bash", "-c"],
    arguments=["tiles-index --input /data/tiles --output /data/index"],
    name="index-tiles",
    task_id="index_tiles",
    in_cluster=True,
    get_logs=True,
    # Kept after the run so the on-call engineer can inspect a failed index.
    is_delete_operator_pod=False,
    resources={"request_memory": "8Gi", "limit_memory": "8Gi", "limit_gpu": "1"},
    node_selectors={"accelerator": "nvidia-t4"},
    dag=dag,
)

begin >> fetch_tiles >> index_tiles
