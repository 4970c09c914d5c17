"""Prefect tasks that create pods and Jobs with the kubernetes client."""
import kubernetes
from kubernetes import client
from kubernetes import client as k8s
from kubernetes.client import BatchV1Api, CoreV1Api
from prefect import flow, task

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etl"}}


@task
def create_pod():
    CoreV1Api().create_namespaced_pod(namespace="etl", body=POD)


@task()
def create_job(manifest):
    api = client.BatchV1Api()
    api.create_namespaced_job("etl", manifest)


@flow
def module_import(manifest):
    core = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient())
    core.create_namespaced_pod("etl", manifest)


@task
def aliased(manifest):
    batch = k8s.BatchV1Api()
    batch.create_namespaced_job(namespace="etl", body=manifest)
    BatchV1Api().create_namespaced_job("etl", manifest)


@task
def import_inside(manifest):
    from kubernetes import client as kc

    with kc.ApiClient() as api_client:
        api = kc.CoreV1Api(api_client)
        api.create_namespaced_pod("etl", manifest)


@task
async def asyncio_client(manifest):
    from kubernetes_asyncio import client as aclient

    await aclient.CoreV1Api().create_namespaced_pod("etl", manifest)


@task
def silenced(manifest):
    CoreV1Api().create_namespaced_pod("etl", manifest)  # noqa: AS202


# Not reported: reads, clients that the task receives, look-alike classes
# and the same calls outside Prefect flows and tasks.
@task
def read_only(api, manifest):
    CoreV1Api().list_namespaced_pod("etl")
    api.create_namespaced_pod("etl", manifest)


@task
def look_alike(manifest):
    from mycorp.k8s import CoreV1Api as Fake

    Fake().create_namespaced_pod("etl", manifest)


def create_outside(manifest):
    CoreV1Api().create_namespaced_pod("etl", manifest)
