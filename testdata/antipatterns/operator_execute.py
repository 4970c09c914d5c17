"""Prefect flows and tasks that still run Airflow operators through execute()."""
import prefect
import prefect as pf
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO
from prefect import flow, task
from prefect.flows import flow as plain_flow

REPORT = KubernetesPodOperator(
    task_id="report",
    image="registry.example.com/reports/builder:4.2",
    cmds=["python", "-m", "reports.build"],
)


class TeamPodOperator(KubernetesPodOperator):
    """Adds the team's labels to every pod."""


@flow
def nightly_export(context):
    KubernetesPodOperator(
        task_id="export",
        image="registry.example.com/export:1.0",
    ).execute(context)


@task(retries=2)
def build_report(context):
    REPORT.execute(context)


@prefect.flow(name="score-leads")
def score_leads(context):
    op = KPO(task_id="score", image="registry.example.com/scorer:5.1")
    return op.execute(context=context)


@prefect.task
def team_job(context):
    job = runner = TeamPodOperator(task_id="team", image="registry.example.com/team:1.0")
    runner.execute(context)


@pf.flow()
async def mapped(context):
    fanout = KubernetesPodOperator.partial(task_id="shard", image="registry.example.com/shard:2.0").expand(
        arguments=[["--shard", "1"], ["--shard", "2"]]
    )
    fanout.execute(context)


@plain_flow
def nested(context):
    def launch():
        KubernetesPodOperator(task_id="inner", image="registry.example.com/inner:1.0").execute(context)

    launch()


@flow
def silenced(context):
    REPORT.execute(context)  # noqa: AS201
    REPORT.execute(context)  # noqa
    REPORT.execute(context)  # noqa: AS101


# Not reported: the same calls outside Prefect flows and tasks, and
# execute() of objects that are not operators.
def plain_function(context):
    REPORT.execute(context)


@flow
def not_operators(cursor, context):
    cursor.execute("SELECT 1")
    report = REPORT
    report = object()
    report.execute(context)
