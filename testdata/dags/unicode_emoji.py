"""データ品質チェック: 日本語 ✨ とemoji 🚀 を含むDAG.

Non-ASCII text sits before the calls and on the call lines themselves, so byte
columns, UTF-16 columns and code points all differ on those lines.
"""
# 数据处理 🚀 nightly cleanup of the events table
import pendulum

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

BANNER = "日本語 ✨ Qualitätsprüfung 🧪"

with DAG(
    dag_id="events_quality_checks",
    description="イベントの品質チェック 🔍",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 5, 1, tz="Asia/Tokyo"),
    catchup=False,
    tags=["quality", "品質"],
) as dag:
    # 清洗 🧹: 去掉重复的事件
    清洗任务 = KubernetesPodOperator(  # 清洗 🧹 データ
        task_id="清洗_events",
        name="clean-events",
        namespace="quality",
        image="registry.example.com/quality/cleaner:1.3.0",
        cmds=["python", "-c"],
        arguments=["import cleaner; cleaner.dedupe('events')"],
        env_vars={"BANNER": BANNER, "LOCALE": "ja_JP.UTF-8"},
        get_logs=True,
    )

    notify = KubernetesPodOperator(task_id="通知_送信", env_vars={"GREETING": "こんにちは 👋"},
        name="notify-owners",
        namespace="quality",
        image="registry.example.com/quality/notifier:0.4.1",
        cmds=["python", "-c"],
        arguments=["import notifier; notifier.send(channel='#データ-品質')"],
        get_logs=True,
    )

    # 地域ごとの書き出し 🗺️
    regional = {
        "東京 🗼": KubernetesPodOperator(task_id="export_tokyo", name="export-tokyo", namespace="quality",
                                       image="registry.example.com/quality/exporter:2.0.0",
                                       arguments=["--region", "東京", "--note", "🚀 起動"]),
    }

    清洗任务 >> notify >> regional["東京 🗼"]
