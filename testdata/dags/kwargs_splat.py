"""Pod settings shared through dictionaries, as teams do to avoid repeating them."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

DEFAULT_ARGS = {
    "owner": "ml-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "namespace": "ml-jobs",
}

POD_DEFAULTS = dict(
    image="registry.example.com/ml/trainer:4.0.1",
    image_pull_policy="Always",
    get_logs=True,
    service_account_name="trainer",
)

with DAG(
    dag_id="model_training",
    schedule="@weekly",
    start_date=datetime(2024, 6, 1),
    default_args=DEFAULT_ARGS,
) as dag:
    train = KubernetesPodOperator(
        task_id="train_model",
        cmds=["python", "-c", "from trainer import main; main()"],
        env_vars={"EPOCHS": "20"},
        **POD_DEFAULTS,
    )
