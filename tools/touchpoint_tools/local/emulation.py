"""AWS for the laptop: an embedded moto server (or any AWS_ENDPOINT_URL), set up from the template."""

from __future__ import annotations

import json
import os
import socket
import threading
from typing import Any
from urllib.parse import urlparse

from touchpoint import aws
from touchpoint_tools.local.template import Template

# what the local runtime takes from a queue's Properties (the rest are AWS's own concerns)
QUEUE_ATTRIBUTES = ("VisibilityTimeout", "FifoQueue", "DeduplicationScope", "FifoThroughputLimit")
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class EndpointError(Exception):
    pass


def use_endpoint(url: str) -> None:
    """Point every client at a local endpoint; moto accepts any credentials, boto3 needs some."""
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ["TOUCHPOINT_LOCAL"] = "1"  # an emulated stack: development keys may stand in
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    for key, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    aws.reset()


SERVE_SETTINGS = "/touchpoint/local/serve"  # an SSM parameter on the emulated endpoint


def publish_settings(values: dict[str, str]) -> None:
    """What a CLI process needs to act like the running `serve` (its outbox, its public URL)."""
    aws.client("ssm").put_parameter(
        Name=SERVE_SETTINGS, Value=json.dumps(values), Type="String", Overwrite=True
    )


def adopt_settings() -> None:
    """Take the running `serve`'s settings for anything this process's environment leaves unset,
    so `touchpoint dispatch` sends through `serve --outbox` and links point at that serve."""
    ssm = aws.client("ssm")
    try:
        raw = ssm.get_parameter(Name=SERVE_SETTINGS)["Parameter"]["Value"]
    except Exception:  # not published (no serve), or an endpoint without SSM: nothing to adopt
        return
    for key, value in json.loads(raw).items():
        if value:
            os.environ.setdefault(key, value)


def sms_published() -> list[tuple[str, str, str]]:
    """(key, phone, message) of every SMS published through the moto server in this process
    (none against another endpoint)."""
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends
    except ImportError:
        return []
    found = []
    for region in sorted({"us-east-1", os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}):
        backend = sns_backends[DEFAULT_ACCOUNT_ID][region]
        found += [(f"{region}:{key}", phone, text) for key, (phone, text, *_) in backend.sms_messages.items()]
    return found


def reachable(url: str, timeout: float = 1.0) -> bool:
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class MotoServer:
    """moto's server with one request at a time.

    DynamoDB makes each conditional write atomic; moto's threaded server does not (two
    threads can both pass a condition). Serializing requests restores the atomicity the
    exactly-once logic relies on, while connections are still served concurrently.
    """

    def __init__(self, host: str, port: int) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        from touchpoint_tools.local import moto_transactions

        moto_transactions.install()

        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def serialized(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return list(app(environ, start_response))

        self.server = make_server(host, port, serialized, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="moto", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_moto(host: str, port: int) -> MotoServer:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the real log
    if reachable(f"http://{host}:{port}", 0.3):
        raise EndpointError(f"port {port} is already in use; pick another with --aws-port")
    try:
        server = MotoServer(host, port)
    except OSError as exc:
        raise EndpointError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.start()
    use_endpoint(f"http://{host}:{port}")
    return server


class Resources:
    """Physical names of the template's resources, as they exist on the endpoint."""

    def __init__(self, template: Template, table_name: str) -> None:
        self.template = template
        self.table_name = table_name
        self.queue_urls: dict[str, str] = {}
        self.queue_arns: dict[str, str] = {}
        self.secret_arns: dict[str, str] = {}
        self.archive_names: dict[str, str] = {}  # bucket and delivery stream, by logical id

    def refs(self) -> dict[str, str]:
        refs = dict(self.template.parameters)
        for logical in self.template.of_type("AWS::DynamoDB::Table"):
            refs[logical] = self.table_name
        refs.update(self.queue_urls)
        refs.update(self.secret_arns)
        refs.update(self.archive_names)
        refs["AWS::Region"] = aws.region()
        return refs

    def attrs(self) -> dict[tuple[str, str], str]:
        attrs: dict[tuple[str, str], str] = {}
        for logical, arn in self.queue_arns.items():
            attrs[(logical, "Arn")] = arn
            attrs[(logical, "QueueName")] = arn.rsplit(":", 1)[-1]
        return attrs

    def ensure(self) -> None:
        """Create what is missing; safe to call against an endpoint that already has it."""
        self._table()
        self._queues()
        self._secrets()
        self._archive()

    def _archive(self) -> None:
        """The archive's bucket, and a Firehose stream into it. moto writes each PutRecord straight
        to an object under `events/` (no buffering, no date expressions): the reader does not care."""
        s3, firehose = aws.client("s3"), aws.client("firehose")
        for logical, props in self.template.of_type("AWS::S3::Bucket").items():
            name = f"touchpoint-{logical.lower()}"
            existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
            if name not in existing:
                s3.create_bucket(Bucket=name)
            notices = self._queue_notifications(props.get("Properties") or {})
            if notices:
                s3.put_bucket_notification_configuration(
                    Bucket=name, NotificationConfiguration={"QueueConfigurations": notices}
                )
            self.archive_names[logical] = name
        for logical, props in self.template.of_type("AWS::KinesisFirehose::DeliveryStream").items():
            target = props["Properties"]["ExtendedS3DestinationConfiguration"]["BucketARN"]["Fn::GetAtt"][0]
            name = f"touchpoint-{logical}"
            if name not in firehose.list_delivery_streams()["DeliveryStreamNames"]:
                firehose.create_delivery_stream(
                    DeliveryStreamName=name,
                    DeliveryStreamType="DirectPut",
                    ExtendedS3DestinationConfiguration={
                        "BucketARN": f"arn:aws:s3:::{self.archive_names[target]}",
                        "RoleARN": "arn:aws:iam::123456789012:role/touchpoint-archive",
                        "Prefix": "events/",
                    },
                )
            self.archive_names[logical] = name

    def _queue_notifications(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        """A bucket's `NotificationConfiguration.QueueConfigurations` as the S3 API takes them:
        moto then puts a message on the queue for each object written (the Watches function)."""
        notices = []
        for notice in (props.get("NotificationConfiguration") or {}).get("QueueConfigurations", []):
            rules = ((notice.get("Filter") or {}).get("S3Key") or {}).get("Rules", [])
            entry: dict[str, Any] = {
                "QueueArn": self.queue_arns[notice["Queue"]["Fn::GetAtt"][0]],
                "Events": [notice["Event"]],
            }
            if rules:
                entry["Filter"] = {
                    "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
                }
            notices.append(entry)
        return notices

    def _table(self) -> None:
        ddb = aws.client("dynamodb")
        for props in self.template.of_type("AWS::DynamoDB::Table").values():
            p = props["Properties"]
            try:
                ddb.describe_table(TableName=self.table_name)
                continue
            except ddb.exceptions.ResourceNotFoundException:
                pass
            ddb.create_table(
                TableName=self.table_name,
                AttributeDefinitions=p["AttributeDefinitions"],
                KeySchema=p["KeySchema"],
                GlobalSecondaryIndexes=p.get("GlobalSecondaryIndexes", []),
                BillingMode=p.get("BillingMode", "PAY_PER_REQUEST"),
            )
            ttl = p.get("TimeToLiveSpecification")
            if ttl:
                ddb.update_time_to_live(TableName=self.table_name, TimeToLiveSpecification=ttl)

    def _queues(self) -> None:
        sqs = aws.client("sqs")
        queues = self.template.of_type("AWS::SQS::Queue")
        # dead-letter queues first: the others name them in their redrive policy
        ordered = sorted(queues, key=lambda q: "RedrivePolicy" in (queues[q].get("Properties") or {}))
        for logical in ordered:
            props = dict(queues[logical].get("Properties") or {})
            attributes = {
                name: str(props[name]).lower() if isinstance(props[name], bool) else str(props[name])
                for name in QUEUE_ATTRIBUTES
                if name in props
            }
            redrive = props.get("RedrivePolicy")
            if redrive:
                target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": self.queue_arns[target],
                        "maxReceiveCount": int(redrive["maxReceiveCount"]),
                    }
                )
            suffix = ".fifo" if props.get("FifoQueue") else ""  # SQS insists on it
            url = sqs.create_queue(QueueName=f"touchpoint-{logical}{suffix}", Attributes=attributes)[
                "QueueUrl"
            ]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            self.queue_urls[logical], self.queue_arns[logical] = url, arn

    def _secrets(self) -> None:
        sm = aws.client("secretsmanager")
        for logical, props in self.template.of_type("AWS::SecretsManager::Secret").items():
            name = f"touchpoint-{logical}"
            try:
                arn = sm.describe_secret(SecretId=name)["ARN"]
            except sm.exceptions.ResourceNotFoundException:
                secret = (props.get("Properties") or {}).get("SecretString", "{}")
                arn = sm.create_secret(Name=name, SecretString=secret)["ARN"]
            self.secret_arns[logical] = arn
