"""Run each service as its own uvicorn process on a free port of 127.0.0.1, and stop it.

This is what a process manager (systemd, Docker, Kubernetes) does for the services in
production; the demo and the contract test use it to run both services for real.
"""

# --8<-- [start:imports]
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import snippets

# --8<-- [end:imports]


# --8<-- [start:launcher]
# The folder that holds the `snippets` package; the child processes import it from here.
SOURCE_ROOT = Path(snippets.__file__).resolve().parent.parent


class ServiceError(RuntimeError):
    """A service process exited early or never answered its health check."""


@dataclass
class Service:
    """One service running as a uvicorn process of its own."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_service(
    name: str, target: str, env: Mapping[str, str], log_dir: Path
) -> Service:
    """Start `uvicorn target` as a child process; its output goes to a log file."""
    port = free_port()
    log = log_dir / f"{name}.log"
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=SOURCE_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Service(name, f"http://127.0.0.1:{port}", process, log)


def wait_until_healthy(service: Service, timeout: float = 20.0) -> None:
    """Poll `GET /readyz` until it answers 200; fail fast if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceError(
                f"{service.name} exited with code {service.process.returncode}, "
                f"see {service.log}"
            )
        try:
            if httpx.get(f"{service.url}/readyz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.05)
    raise ServiceError(f"{service.name} did not become healthy within {timeout} s")


def stop_service(service: Service, grace: float = 5.0) -> None:
    """Send SIGTERM to the service's process id; SIGKILL it if it outlives `grace`."""
    if service.process.poll() is not None:
        return  # already reaped: its pid may belong to another process by now
    os.kill(service.process.pid, signal.SIGTERM)
    try:
        service.process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(service.process.pid, signal.SIGKILL)
        service.process.wait()


@dataclass
class Deployment:
    """The two running services."""

    catalogue: Service
    orders: Service


@contextmanager
def running_services(data_dir: Path, *, timeout: float = 1.0) -> Iterator[Deployment]:
    """Run the catalogue and the orders service, each with its own SQLite file.

    Both processes are stopped by process id when the block ends, even on errors.
    """
    started: list[Service] = []
    try:
        catalogue = start_service(
            "catalogue",
            "snippets.architecture.microservices.catalogue:app",
            {"CATALOGUE_DB": str(data_dir / "catalogue.db")},
            data_dir,
        )
        started.append(catalogue)
        orders = start_service(
            "orders",
            "snippets.architecture.microservices.orders:app",
            {
                "ORDERS_DB": str(data_dir / "orders.db"),
                "CATALOGUE_URL": catalogue.url,
                "CATALOGUE_TIMEOUT": str(timeout),
            },
            data_dir,
        )
        started.append(orders)
        for service in started:
            wait_until_healthy(service)
        yield Deployment(catalogue, orders)
    finally:
        for service in reversed(started):
            stop_service(service)


# --8<-- [end:launcher]
