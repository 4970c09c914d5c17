"""Operator imported under a short alias, as many teams do to keep lines short."""
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO

with DAG(
    dag_id="search_index_refresh",
    schedule="@hourly",
    start_date=pendulum.datetime(2024, 2, 1, tz="UTC"),
    catchup=False,
    tags=["search"],
) as dag:
    crawl = KPO(
        task_id="crawl_catalog",
        name="crawl-catalog",
        namespace="search",
        image="registry.example.com/search/crawler:4.0.0",
        cmds=["python", "-c"],
        arguments=["import crawler; crawler.crawl(source='catalog')"],
        env_vars={"CATALOG_URL": "http://catalog.search.svc:8080"},
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
    )

    reindex = KPO(task_id="reindex_products", name="reindex-products", namespace="search",
                  image="registry.example.com/search/indexer:4.0.0", cmds=["python", "-c"],
                  arguments=["import indexer; indexer.rebuild('products')"], get_logs=True)

    crawl >> reindex
