"""Pod settings written both as kubernetes.client models and as plain dicts and lists."""
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

with DAG(
    dag_id="ml_feature_refresh",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 4, 1, tz="UTC"),
    catchup=False,
    tags=["ml", "features"],
) as dag:
    # Model objects: a V1EnvVar list (one value read from a Secret) and V1Toleration.
    build_features = KubernetesPodOperator(
        task_id="build_features",
        name="build-features",
        namespace="ml",
        image="registry.example.com/ml/features:1.12.0",
        cmds=["python", "-c"],
        arguments=["from features import build; build.all_tables()"],
        env_vars=[
            k8s.V1EnvVar(name="FEATURE_STORE", value="redis://features.ml.svc:6379/0"),
            k8s.V1EnvVar(name="PARTITIONS", value="32"),
            k8s.V1EnvVar(
                name="WAREHOUSE_TOKEN",
                value_from=k8s.V1EnvVarSource(
                    secret_key_ref=k8s.V1SecretKeySelector(name="warehouse", key="token"),
                ),
            ),
        ],
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "2", "memory": "8Gi"},
            limits={"cpu": "4", "memory": "8Gi", "ephemeral-storage": "20Gi"},
        ),
        labels={"team": "ml", "cost-center": "cc-4410"},
        annotations={"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
        node_selector={"node-pool": "highmem"},
        tolerations=[
            k8s.V1Toleration(key="dedicated", operator="Equal", value="ml", effect="NoSchedule"),
        ],
        service_account_name="ml-pipelines",
        get_logs=True,
        startup_timeout_seconds=600,
    )

    # Plain dicts everywhere the provider accepts them.
    score_customers = KubernetesPodOperator(
        task_id="score_customers",
        name="score-customers",
        namespace="ml",
        image="registry.example.com/ml/scoring:0.8.4",
        image_pull_policy="Always",
        cmds=["python", "-c"],
        arguments=["import scoring; scoring.score_all(model='churn-v7')"],
        env_vars={"MODEL_REGISTRY": "https://models.example.com", "BATCH_SIZE": "5000"},
        container_resources={
            "requests": {"cpu": "1", "memory": "4Gi"},
            "limits": {"cpu": "2", "memory": "6Gi"},
        },
        labels={"team": "ml"},
        annotations={"prometheus.io/scrape": "true", "prometheus.io/port": "9102"},
        node_selector={"node-pool": "general"},
        tolerations=[
            {"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"},
        ],
        affinity={
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["eu-west-1a"]}]},
                    ],
                },
            },
        },
        get_logs=True,
    )

    build_features >> score_customers
