"""A private system bus with BlueZoo (a user-space BlueZ emulator) and two adapters.

Everything started here is a child process of the test and is ended on exit, on
failure too, with bounded waits: nothing outlives the ``with`` block.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.util
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

#: Adapter addresses handed to BlueZoo; hci0 is the central (bleak), hci1 the peripheral.
CENTRAL_ADDRESS = "00:AA:01:00:00:01"
PERIPHERAL_ADDRESS = "00:AA:01:00:00:02"
CENTRAL_ADAPTER = "hci0"
PERIPHERAL_ADAPTER = "hci1"

_START_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1
_STOP_TIMEOUT_S = 5.0

# A bus of our own: no service activation, anyone may own any name (BlueZoo owns org.bluez).
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the test process dies (even by kill -9)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _popen(command: list[str], **kwargs) -> subprocess.Popen:
    # No orphaned bus or emulator even when pytest itself is killed.
    return subprocess.Popen(command, preexec_fn=_die_with_parent, **kwargs)


def missing_requirements() -> str | None:
    """Why the emulated BlueZ cannot run here, or None when it can."""
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon not found (Debian package 'dbus')"
    if importlib.util.find_spec("bluezoo") is None:
        return "bluezoo not installed (pip install bluezoo)"
    return None


@dataclass
class EmulatedBluez:
    """A running private bus with BlueZoo on it."""

    bus_address: str
    workdir: Path

    def env(self) -> dict[str, str]:
        """Environment for a child process that should use this bus as its system bus."""
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus_address
        return env


def stop_process(proc: subprocess.Popen, timeout_s: float = _STOP_TIMEOUT_S) -> None:
    """Terminate one child we started, then kill it if it does not go in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout_s)


async def _bluez_has(bus_address: str, adapters: list[str]) -> bool:
    bus = await MessageBus(bus_address=bus_address).connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.bluez",
                path="/",
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
    finally:
        bus.disconnect()
    if reply.message_type == MessageType.ERROR:
        return False
    return all(f"/org/bluez/{a}" in reply.body[0] for a in adapters)


def _wait_for_adapters(
    bus_address: str, adapters: list[str], proc: subprocess.Popen, deadline: float
) -> None:
    """Block until BlueZoo owns ``org.bluez`` and has exported ``adapters`` (or fail)."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bluezoo exited early with code {proc.returncode}")
        if asyncio.run(asyncio.wait_for(_bluez_has(bus_address, adapters), 5)):
            return
        time.sleep(0.05)
    raise RuntimeError("bluezoo did not export its adapters in time")


@contextmanager
def private_bus() -> Iterator[EmulatedBluez]:
    """A private ``dbus-daemon`` (nothing on it yet); stopped on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="gaitback-bluez-"))
    socket_path = workdir / "bus"
    config = workdir / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=socket_path))
    daemon = _popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not socket_path.exists():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dbus-daemon did not start")
            time.sleep(0.02)
        yield EmulatedBluez(bus_address=f"unix:path={socket_path}", workdir=workdir)
    finally:
        stop_process(daemon)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def emulated_bluez(
    adapters: tuple[str, ...] = (CENTRAL_ADDRESS, PERIPHERAL_ADDRESS), scan_interval_s: int = 1
) -> Iterator[EmulatedBluez]:
    """Start a private bus and BlueZoo with powered adapters; stop both on exit.

    Parameters
    ----------
    adapters
        Adapter addresses; the n-th becomes ``hci<n>``. Empty: BlueZ with no adapter.
    scan_interval_s
        BlueZoo's discovery period: how often a scanning adapter sees advertisers.
    """
    with private_bus() as bus:
        log_path = bus.workdir / "bluezoo.log"
        with log_path.open("w") as log:
            bluezoo = _popen(
                [
                    sys.executable,
                    "-c",
                    "from bluezoo.bluezoo import main; main()",
                    "--auto-enable",
                    f"--scan-interval={scan_interval_s}",
                    *(f"--adapter={address}" for address in adapters),
                ],
                env=bus.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            names = [f"hci{i}" for i in range(len(adapters))]
            _wait_for_adapters(
                bus.bus_address, names, bluezoo, time.monotonic() + _START_TIMEOUT_S
            )
            yield bus
        finally:
            stop_process(bluezoo)


@dataclass
class RunningPeripheral:
    """A :mod:`ble_support.peripheral` process streaming on the emulated bus."""

    proc: subprocess.Popen
    writes_log: Path

    def writes(self) -> list[bytes]:
        """Every value the central wrote to the write characteristic, in order."""
        if not self.writes_log.exists():
            return []
        return [bytes.fromhex(line) for line in self.writes_log.read_text().split()]


@contextmanager
def running_peripheral(
    bus: EmulatedBluez,
    *,
    name: str,
    service_uuid: str,
    notify_uuid: str,
    write_uuid: str | None,
    packets: list[bytes],
    rate_hz: float,
    start_command: bytes | None = None,
    adapter: str = PERIPHERAL_ADAPTER,
) -> Iterator[RunningPeripheral]:
    """Run the emulated sensor on ``adapter`` until the block ends (terminated then)."""
    workdir = Path(tempfile.mkdtemp(prefix="periph-", dir=bus.workdir))
    packets_file = workdir / "packets.hex"
    packets_file.write_text("\n".join(p.hex() for p in packets) + "\n")
    writes_log = workdir / "writes.log"
    command = [
        sys.executable,
        str(Path(__file__).with_name("peripheral.py")),
        f"--adapter={adapter}",
        f"--name={name}",
        f"--service={service_uuid}",
        f"--notify={notify_uuid}",
        f"--packets={packets_file}",
        f"--rate-hz={rate_hz}",
        f"--writes-log={writes_log}",
    ]
    if write_uuid:
        command.append(f"--write={write_uuid}")
    if start_command is not None:
        command.append(f"--start-on={start_command.hex()}")
    proc = _popen(
        command, env=bus.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], _START_TIMEOUT_S)
        line = proc.stdout.readline() if ready and proc.stdout else ""
        if line.strip() != "ready":
            stop_process(proc)
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"emulated peripheral did not start: {err.strip()[-500:]}")
        yield RunningPeripheral(proc=proc, writes_log=writes_log)
    finally:
        stop_process(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
