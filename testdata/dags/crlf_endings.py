"""Stock price ingestion, saved with Windows (CRLF) line endings."""
from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

with DAG(
    dag_id="stock_prices_ingestion",
    schedule="15 22 * * 1-5",
    start_date=datetime(2024, 1, 2),
    catchup=False,
    tags=["ingestion", "market-data"],
) as dag:
    fetch_prices = KubernetesPodOperator(
        task_id="fetch_prices",
        name="fetch-prices",
        namespace="market-data",
        image="registry.example.com/market/prices:3.0.2",
        cmds=["python", "-c"],
        arguments=["from prices import fetch; fetch.close_of_day()"],
        env_vars={"EXCHANGES": "XETRA,NYSE", "CURRENCY": "EUR"},
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "200m", "memory": "512Mi"},
        ),
        image_pull_policy="Always",
        get_logs=True,
    )

    adjust_prices = KubernetesPodOperator(
        task_id="adjust_prices",
        name="adjust-prices",
        namespace="market-data",
        image="registry.example.com/market/prices:3.0.2",
        cmds=["python", "-c"],
        arguments=["from prices import adjust; adjust.for_splits()"],
        get_logs=True,
    )

    fetch_prices >> adjust_prices
