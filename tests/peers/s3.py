"""A session-wide S3-compatible server (moto in server mode) on 127.0.0.1, and fresh buckets."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def create_bucket(self, *, public_read: bool = False) -> str:
        """A new, uniquely named bucket; `public_read` lets anyone GET its objects."""
        name = f"mjproxy-t-{secrets.token_hex(5)}"
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )
        try:
            client.create_bucket(Bucket=name)
            if public_read:
                client.put_bucket_policy(Bucket=name, Policy=json.dumps(_public_read(name)))
        finally:
            client.close()
        return name


def _public_read(bucket: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("s3_server.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the S3 test server did not start (printed {line!r})")
        yield S3Server(endpoint_url=f"http://127.0.0.1:{int(line)}")
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
