"""The outbox benches' receiver: a Slack-compatible `chat.postMessage` endpoint in its own process.

`python -m bench.outbox_sink PORT LOG` answers every POST with `{"ok": true, ...}` and appends
`<key> <unix time>` to LOG (the key is the message's idempotency key, which the Slack adapter puts
in `metadata.event_payload.key`) the moment the request has arrived, before answering.

It runs apart from the bench so the bench's own work (committing 200 messages a second) never
shares an interpreter lock with it, and it is asyncio (no thread per request), so the receiver is
not what the figures measure. `SinkProcess` starts it, waits until it listens, reads the log and
stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ANSWER = b'{"ok": true, "channel": "C0BENCH", "ts": "1.0"}'


async def _serve(port: int, log_path: str) -> None:
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 — lives as long as the server

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length, close = 0, False
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip() or 0)
                    elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                        close = True
                body = await reader.readexactly(length) if length else b""
                try:
                    data = json.loads(body or b"{}")
                    key = str(((data.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
                except ValueError:
                    key = ""
                log.write(f"{key} {time.time():.6f}\n")
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(_ANSWER)}\r\n".encode()
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\n"
                    + _ANSWER
                )
                await writer.drain()
                if close:
                    return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


class SinkProcess:
    """The sink in a child process; `received()` reads what has arrived so far (key -> times)."""

    def __init__(self, port: int, root: Path) -> None:
        self.port = port
        self._log = tempfile.NamedTemporaryFile(prefix="outbox-sink-", suffix=".log", delete=False)  # noqa: SIM115
        self._log.close()
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 — closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.outbox_sink", str(port), self._log.name],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=self._err,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # one line, then the pipe is never written again
        if b"listening" not in line:
            self.stop()
            raise RuntimeError("the outbox sink did not start")

    def received(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for line in Path(self._log.name).read_text().splitlines():
            key, _, at = line.rpartition(" ")
            if at:
                out.setdefault(key, []).append(float(at))
        return out

    def count(self, prefix: str) -> int:
        return sum(1 for k in self.received() if k.startswith(prefix))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._err.close()
        Path(self._log.name).unlink(missing_ok=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(int(sys.argv[1]), sys.argv[2]))
