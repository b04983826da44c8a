"""What every command is given: the options that say where it acts (--template, --stack, --aws),
the stream its answer goes to, and the ways to reach AWS from them. One object per run, passed
explicitly: no module state."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from touchpoint.errors import UserError

DEFAULT_AWS_PORT = 4566
STACK_OUTPUTS = {
    "TableName": "TABLE_NAME",
    "OutboundQueueUrl": "OUTBOUND_QUEUE_URL",
    "OutboundDeadLetterQueueUrl": "OUTBOUND_DLQ_URL",
    "ArchiveBucketName": "ARCHIVE_BUCKET",
    "PlaybookBucketName": "PLAYBOOK_BUCKET",
    "SecretArn": "SECRETS_ARN",
    "ApiUrl": "PUBLIC_URL",
}


@dataclass
class Context:
    template: str | None = None
    stack: str | None = None
    real_aws: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)

    @classmethod
    def of(cls, args: argparse.Namespace, out: TextIO) -> Context:
        return cls(
            getattr(args, "template", None), getattr(args, "stack", None), getattr(args, "aws", False), out
        )

    def say(self, line: str) -> None:
        """One line of the command's answer (logs go to stderr meanwhile)."""
        self.out.write(line + "\n")
        self.out.flush()

    def connect(self, allow_embedded: bool = False) -> Any:
        """Choose the AWS endpoint: AWS_ENDPOINT_URL, else a running `touchpoint serve`; real AWS
        only when asked for with --aws, never as a silent fallback (a `forget` must not erase a live
        shop's customer because a local server was not running). Returns the embedded moto mock to
        stop, when `allow_embedded` started one."""
        from touchpoint_tools.local import emulation

        url = os.environ.get("AWS_ENDPOINT_URL")
        if url:
            if not emulation.reachable(url):
                raise UserError(f"AWS endpoint {url} (AWS_ENDPOINT_URL) is not reachable")
            emulation.use_endpoint(url)
            emulation.adopt_settings()
            self._adopt_stack()
            return None
        if self.stack and not self.real_aws:
            raise UserError("--stack reads a deployed stack: add --aws (or set AWS_ENDPOINT_URL)")
        if self.real_aws:  # asked for: never answered by a local `serve` that happens to be running
            _credentials()
            self._adopt_stack()
            return None
        local = f"http://127.0.0.1:{DEFAULT_AWS_PORT}"
        if emulation.reachable(local, 0.3):
            emulation.use_endpoint(local)
            emulation.adopt_settings()
            return None
        if allow_embedded:
            return _embedded()
        raise UserError(
            f"no local AWS endpoint: start `touchpoint serve` (moto on port {DEFAULT_AWS_PORT}), "
            "set AWS_ENDPOINT_URL, or pass --aws to use real AWS"
        )

    def where(self) -> dict[str, str]:
        """Where a command acted, for its output: the local endpoint, or the AWS account, region
        and stack. Called after connect()."""
        from touchpoint import aws

        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            return {"endpoint": endpoint, **({"stack": self.stack} if self.stack else {})}
        sts = aws.client("sts")
        place = {"account": str(sts.get_caller_identity()["Account"]), "region": sts.meta.region_name}
        return {**place, "stack": self.stack or "", "table": os.environ.get("TABLE_NAME", "")}

    def runtime(self, embedded: bool = False) -> Any:
        """The local runtime, on the emulated endpoint only: it creates the template's resources,
        which must never happen in a real account by accident."""
        if not (embedded or os.environ.get("AWS_ENDPOINT_URL")):
            raise UserError(
                "this command runs the functions here, on the local emulation; a deployed stack runs "
                "them itself (its schedule runs the Dispatcher every minute; `aws lambda invoke` runs one)"
            )
        from touchpoint_tools.local.runtime import LocalRuntime, find_template
        from touchpoint_tools.local.template import load

        runtime = LocalRuntime(load(find_template(self.template)))
        runtime.bootstrap()
        return runtime

    def stack_outputs(self, outputs: tuple[str, ...], command: str) -> list[str] | None:
        """With --stack, the values of these outputs (read from the variables connect() set);
        None for the local runtime; --aws without --stack refused (never a guess at real resources)."""
        if self.stack:
            values = [os.environ.get(STACK_OUTPUTS[name], "") for name in outputs]
            if not all(values):
                raise UserError(
                    f"--stack {self.stack}: no {'/'.join(outputs)} output (deploy the current template)"
                )
            return values
        if self.real_aws:
            raise UserError(
                f"{command} --aws: name the deployment with --stack NAME (its outputs name what to use)"
            )
        return None

    def _adopt_stack(self) -> None:
        """Point this process at a deployed stack's table, queue, archive and secret (its outputs)."""
        if not self.stack:
            return
        from botocore.exceptions import ClientError

        from touchpoint import aws

        try:
            stacks = aws.client("cloudformation").describe_stacks(StackName=self.stack)["Stacks"]
        except ClientError as exc:
            raise UserError(f"--stack {self.stack}: {exc.response['Error'].get('Message', exc)}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        if "TableName" not in outputs:
            raise UserError(f"--stack {self.stack}: no TableName output; is it a Touchpoint stack?")
        for key, variable in STACK_OUTPUTS.items():
            if outputs.get(key):
                os.environ[variable] = outputs[key]


def _credentials() -> None:
    import boto3

    if boto3.session.Session().get_credentials() is None:
        raise UserError("--aws: no AWS credentials found")


def _embedded() -> Any:
    """moto in this process, for a command that may run on its own (invoke)."""
    from moto import mock_aws

    from touchpoint_tools.local import emulation, moto_transactions

    moto_transactions.install()
    for key, value in {**emulation.LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)
    os.environ["TOUCHPOINT_LOCAL"] = "1"
    mock = mock_aws()
    mock.start()
    return mock
