"""moto's S3 server in its own process on 127.0.0.1, with one bucket: the object-store
tests' S3. Stopped by the process handle it started."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Credentials moto accepts; NO_PROXY so a proxy setting never captures the loopback endpoint.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "NO_PROXY": "127.0.0.1,localhost",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_s3(log: Path, bucket: str, setenv: Callable[[str, str], None]) -> Iterator[str]:
    """Start the server, set S3_ENV through `setenv`, create `bucket`; yield the endpoint."""
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for name, value in S3_ENV.items():
            setenv(name, value)
        import boto3

        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=endpoint)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket=bucket)
                break
            except Exception as exc:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(
                        f"moto server did not start: {log.read_text()[-2000:]}"
                    ) from exc
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
