"""Code that mentions KubernetesPodOperator without being a call to the Airflow class.

A local stand-in class, strings, comments and a mock attribute must not be
reported. The two real calls carry `# noqa` comments, so they are suppressed.
"""
import logging
from unittest import mock

import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as PodOperator

log = logging.getLogger(__name__)

# KubernetesPodOperator(task_id="commented_out", image="busybox") was replaced by the dry-run stub.
USAGE = "Call KubernetesPodOperator(task_id=..., image=...) to start a pod."


class KubernetesPodOperator:
    """Dry-run stand-in that records its arguments instead of starting a pod."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def describe(self) -> str:
        return "KubernetesPodOperator(" + ", ".join(sorted(self.kwargs)) + ")"


dry_run = KubernetesPodOperator(task_id="dry_run_only", image="busybox:1.36")
log.debug("stub created: %s", dry_run.describe())

fake_airflow = mock.MagicMock()
fake_airflow.KubernetesPodOperator(task_id="mocked", image="busybox:1.36")


def build_stub():
    class KubernetesPodOperator:
        def __init__(self, task_id):
            self.task_id = task_id

    return KubernetesPodOperator(task_id="nested_stub")


with DAG(
    dag_id="legacy_cleanup",
    schedule="@weekly",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["maintenance"],
) as dag:
    purge_tmp = PodOperator(  # noqa: AS101
        task_id="purge_tmp_tables",
        name="purge-tmp-tables",
        namespace="maintenance",
        image="registry.example.com/ops/janitor:1.0.3",
        cmds=["python", "-c"],
        arguments=["import janitor; janitor.purge_tmp()"],
        get_logs=True,
    )

    vacuum = PodOperator(  # noqa
        task_id="vacuum_warehouse",
        name="vacuum-warehouse",
        namespace="maintenance",
        image="registry.example.com/ops/janitor:1.0.3",
        cmds=["python", "-c"],
        arguments=["import janitor; janitor.vacuum()"],
        get_logs=True,
    )

    purge_tmp >> vacuum
