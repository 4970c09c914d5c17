"""Airflow and look-alike decorators: nothing here runs inside a Prefect flow or task."""
import subprocess

from airflow.decorators import task
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import CoreV1Api


def flow(fn):
    """A local decorator that happens to be called flow."""
    return fn


@task
def airflow_task(context):
    KubernetesPodOperator(task_id="run", image="registry.example.com/app:1.0").execute(context)
    CoreV1Api().create_namespaced_pod("default", {})
    subprocess.run(["docker", "run", "registry.example.com/app:1.0"])


@task.kubernetes(image="registry.example.com/app:1.0")
def airflow_kubernetes_task():
    subprocess.run(["docker", "run", "registry.example.com/app:1.0"])


@flow
def local_flow():
    CoreV1Api().create_namespaced_pod("default", {})
