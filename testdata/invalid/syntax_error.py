"""A DAG with a syntax error far from its operator call."""
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

cleanup = KubernetesPodOperator(
    task_id="cleanup_staging",
    image="registry.example.com/ops/cleanup:0.3.1",
    cmds=["python", "-c", "import cleanup; cleanup.run()"],
)


def broken(:
    return 1
