"""Relatives of KubernetesPodOperator, as platform teams use them."""
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.providers.amazon.aws.operators.eks import EksPodOperator
from airflow.providers.cncf.kubernetes.operators.job import KubernetesJobOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.google.cloud.operators.kubernetes_engine import GKEStartPodOperator


class TeamPodOperator(KubernetesPodOperator):
    """Adds the team's labels to every pod."""

    def __init__(self, **kwargs):
        kwargs.setdefault("labels", {"team": "growth"})
        super().__init__(**kwargs)


def pod_for(table):
    return KubernetesPodOperator(
        task_id=f"export_{table}",
        image="registry.example.com/growth/export:2.0.0",
        cmds=["python", "-m", "export", table],
    )


with DAG(dag_id="growth_exports", schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
    gke = GKEStartPodOperator(
        task_id="score_leads",
        project_id="acme-growth",
        location="europe-west1",
        cluster_name="growth-gke",
        namespace="scoring",
        image="europe-docker.pkg.dev/acme-growth/images/scorer:5.1",
        cmds=["python", "-c", "import scorer; scorer.run()"],
    )
    eks = EksPodOperator(
        task_id="sync_crm",
        cluster_name="growth-eks",
        region="eu-central-1",
        namespace="crm",
        image="123456789012.dkr.ecr.eu-central-1.amazonaws.com/crm-sync:1.9",
        cmds=["python", "-c", "import crm; crm.sync()"],
    )
    job = KubernetesJobOperator(
        task_id="rebuild_index",
        namespace="search",
        image="registry.example.com/search/indexer:3.3",
        cmds=["python", "-c", "import indexer; indexer.rebuild()"],
        backoff_limit=2,
        ttl_seconds_after_finished=600,
    )
    parallel = KubernetesJobOperator(
        task_id="shard_index",
        image="registry.example.com/search/indexer:3.3",
        cmds=["python", "-c", "import indexer; indexer.shard()"],
        parallelism=4,
        completions=4,
    )
    team = TeamPodOperator(
        task_id="refresh_segments",
        image="registry.example.com/growth/segments:0.8",
        cmds=["python", "-c", "import segments; segments.refresh()"],
    )
    export = pod_for("leads")

    @task.kubernetes(image="registry.example.com/growth/dedupe:1.2", namespace="growth", in_cluster=True)
    def dedupe_contacts():
        import dedupe

        return dedupe.run()

    gke >> eks >> job >> parallel >> team >> export >> dedupe_contacts()
