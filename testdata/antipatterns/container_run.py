"""Prefect tasks that start container images themselves."""
import asyncio
import os
import shlex
import subprocess
import subprocess as sp
from subprocess import Popen, check_output
from subprocess import run as sh

import docker
from docker import DockerClient
from prefect import flow, task

IMAGE = "registry.example.com/etl:3.0"
DOCKER_RUN = ["docker", "run", "--rm", IMAGE]


@task
def argv_list():
    subprocess.run(["docker", "run", "--rm", IMAGE, "python", "-m", "etl"], check=True)


@task
def shell_string(date):
    subprocess.check_call(f"docker run --rm -e DATE={date} {IMAGE}", shell=True)


@task
def other_tools(date):
    sp.call(("podman", "run", IMAGE))
    check_output(["kubectl", "run", "etl", f"--image={IMAGE}", "--restart=Never"])
    Popen(args=["/usr/bin/docker", "--debug", "container", "run", IMAGE])
    sh(shlex.split("sudo docker run " + IMAGE))


@flow
def variables(date):
    cmd = ["docker", "run", "--rm"] + [IMAGE, date]
    subprocess.run(cmd)
    subprocess.run(DOCKER_RUN)
    os.system("docker run --rm " + IMAGE)
    subprocess.run("docker run {}".format(IMAGE).split())
    subprocess.Popen("podman run --rm %s" % IMAGE, shell=True)


@task
async def with_asyncio():
    proc = await asyncio.create_subprocess_exec("docker", "run", IMAGE)
    await proc.wait()


@task
def docker_sdk():
    docker.from_env().containers.run(IMAGE, "python -m etl", remove=True)
    client = DockerClient(base_url="unix:///var/run/docker.sock")
    client.containers.run(IMAGE)
    with docker.from_env() as managed:
        managed.containers.run(IMAGE, detach=True)


@task
def silenced():
    subprocess.run(["docker", "run", IMAGE])  # noqa: AS203


# Not reported: commands that do not run a container, Docker SDK calls that
# do not start one, and the same calls outside Prefect flows and tasks.
@task
def not_running(tag):
    subprocess.run(["docker", "build", "-t", tag, "."])
    subprocess.run(["python", "-m", "etl"])
    subprocess.run(["docker", "-H", "tcp://builder:2375", "run", IMAGE])
    subprocess.run(tag)
    docker.from_env().containers.list()
    docker.from_env().images.pull(IMAGE)


def outside():
    subprocess.run(["docker", "run", IMAGE])
    docker.from_env().containers.run(IMAGE)
