"""Many flagship runs in one process through the async API: wall time, steps/s, peak RSS; then a soak.

Run: ``.venv/bin/python bench/fleet.py`` (all configurations, ~3-5 min on 2 cores), or one part:
``--only server``, ``--only raw:1000``, ``--only transport:1000``, ``--only httpx:1000``, ``--only concurrent:1000``, ``--only sequential``;
``--only profile:300`` runs 300 concurrent runs in this process under cProfile and prints where the client's CPU goes;
``--transport lean|lean-h11|httpx`` picks the async transport (default ``lean``, the one users get:
httptools framing; ``lean-h11`` the same pool framed by h11; ``httpx`` httpcore's pool),
``--journal`` journals the concurrent runs.

1. The server alone: ``bench/fast_server.py`` (asyncio protocol, a child process, signatures not
   checked) driven by a raw asyncio keep-alive load generator, so we know it is not the bottleneck.
   The client stacks alone, no engine, no signing, the same unsigned Describe posts from N tasks
   sharing ``--connections`` keep-alive connections: ``raw:N``, a minimal asyncio HTTP/1.1 client
   (the floor: write the request, read the head, read Content-Length bytes, parse the JSON);
   ``transport:N``, the transport's ``handle_async_request`` alone (no client: no auth flow,
   cookies or redirects): our lean transport (``--transport lean``, httptools framing; ``lean-h11``,
   h11 framing) or httpcore's pool (``--transport httpx``); ``--transport seam`` puts the raw client's
   I/O behind httpx's seam (httpx's Request, Response and body reading, nothing else: the ceiling of
   any transport here); ``httpx:N``, ``httpx.AsyncClient`` over the same transport.
2. N concurrent runs (1,000 and 10,000) of the flagship, unmodified, each job InProgress 20 times
   (22 requests, 22 step executions), ``asyncio.gather`` of ``Document.run_async`` on one loaded
   document, one shared ``RunEnvironment`` (credentials and endpoints made once) and one
   ``httpx.AsyncClient`` (pool of ``--connections``, default 100, no pool timeout). Each
   configuration runs in a fresh child process so ``getrusage``'s peak RSS is its own. With
   ``--journal`` every run is journaled in one SQLite journal (``arazzo_runner.journal.Journal``,
   default batching) in a temporary folder, as ``arazzo run`` journals by default.
   Targets: 1,000 runs <= 200 MB peak RSS, 10,000 <= 1 GB, >= 2,500 steps/s on 2 cores (client and
   server sharing them), >= 3,000 on uvloop (issue 31).
3. 10,000 sequential runs on the same loaded document (``--seq-polls`` InProgress answers each,
   default 2: the soak is about what a run leaves behind, not about request count): RSS printed
   every 1,000 runs must stay flat.

Loopback only (127.0.0.1), every loop bounded by a count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

TARGET_STEPS_PER_S = 2500
TARGET_STEPS_PER_S_UVLOOP = 3000


def target_steps_per_s(uvloop: bool) -> int:
    return TARGET_STEPS_PER_S_UVLOOP if uvloop else TARGET_STEPS_PER_S


TARGET_RSS_MB = {1000: 200, 10000: 1000}


def base_inputs() -> dict[str, Any]:
    return json.loads(harness.FLAGSHIP_INPUTS.read_text())


# -- 1. the server alone ---------------------------------------------------------------------------


async def _load(url: str, connections: int, per_connection: int) -> float:
    """Requests/s the server answers to ``connections`` keep-alive clients sending Describe calls."""
    host, port = url.removeprefix("http://").split(":")

    async def one(index: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        body = json.dumps({"TrainingJobName": f"load-{index}"}).encode()
        request = (
            b"POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n"
            % (host.encode(), len(body))
            + body
        )
        for _ in range(per_connection):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
            await reader.readexactly(length)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(connections)))
    return connections * per_connection / (time.perf_counter() - started)


def server_alone(connections: int) -> None:
    with harness.server_process(20) as url:
        asyncio.run(_load(url, connections, 50))  # warm-up
        rate = asyncio.run(_load(url, connections, 400))
    print(
        f"server alone (fast_server.py, {connections} keep-alive connections, raw asyncio client):"
        f" {rate:,.0f} requests/s"
    )


# -- 1b. the client stack alone -------------------------------------------------------------------


async def _raw_alone(url: str, tasks: int, per_task: int, connections: int) -> float:
    """Requests/s of a minimal asyncio HTTP/1.1 client: ``tasks`` tasks share ``connections`` sockets.

    The floor for any client on this loop: a request is one write; the answer is one read of the head
    and one of the body (its Content-Length), parsed as JSON like the others do. No timeouts, no
    chunked bodies, no error handling: not a client to use, only a measure of what asyncio costs.
    """
    host, port = url.removeprefix("http://").split(":")
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(host, int(port)))

    async def one(index: int) -> None:
        body = json.dumps({"TrainingJobName": f"raw-{index}"}).encode()
        request = (
            b"POST / HTTP/1.1\r\nHost: %s:%s\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n"
            % (host.encode(), port.encode(), len(body))
            + body
        )
        for _ in range(per_task):
            reader, writer = await idle.get()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
            json.loads(await reader.readexactly(length))
            idle.put_nowait((reader, writer))

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(tasks)))
    rate = tasks * per_task / (time.perf_counter() - started)
    while not idle.empty():
        idle.get_nowait()[1].close()
    return rate


def raw_alone(tasks: int, connections: int) -> float:
    with harness.server_process(20) as url:
        rate, cpu = cpu_timed(_raw_alone(url, tasks, 22, connections), tasks * 22)
    print(
        f"raw asyncio HTTP/1.1 client{' + uvloop' if USE_UVLOOP else ''} ({tasks:,} tasks x 22 unsigned posts,"
        f" {connections} connections, no httpx, no engine): {rate:,.0f} requests/s, {cpu:.1f} µs CPU/request"
    )
    return rate


#: --transport: the lean transport as users get it ("lean": httptools framing), framed by h11
#: ("lean-h11"), httpx's own ("httpx": httpcore's pool), or "seam": the raw client's I/O behind
#: httpx's transport seam (``SeamFloor``), the most any transport can reach in ``transport:N``.
TRANSPORTS = {"lean": "httptools", "lean-h11": "h11", "httpx": None, "seam": None}
TRANSPORT = "lean"
#: What each transport is called in the report lines.
TRANSPORT_NAMES = {
    "lean": "LeanAsyncTransport (httptools)",
    "lean-h11": "LeanAsyncTransport (h11)",
    "httpx": "httpx.AsyncHTTPTransport (httpcore)",
    "seam": "SeamFloor (the raw client's I/O behind httpx's seam)",
}


class SeamFloor:
    """The raw client's I/O (``_raw_alone``) behind httpx's transport seam: an ``httpx.Request`` in
    (its head written as the raw client writes it), an ``httpx.Response`` out, nothing else (no
    timeouts, no chunked bodies, no errors). Not a transport to use: what httpx's own Request,
    Response and body reading cost on top of the raw floor, so the ceiling of ``transport:N``."""

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._idle: Any = None

    async def handle_async_request(self, request: Any) -> Any:
        import httpx

        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self._connections):
                self._idle.put_nowait(await asyncio.open_connection(request.url.host, request.url.port))
        reader, writer = await self._idle.get()
        lines = b"".join([b"%s: %s\r\n" % item for item in request.headers.raw])
        writer.write(b"%s / HTTP/1.1\r\n%s\r\n%s" % (request.method.encode(), lines, request.content))
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
        body = await reader.readexactly(length)
        self._idle.put_nowait((reader, writer))
        return httpx.Response(
            200, headers=[(b"Content-Length", b"%d" % length)], stream=httpx.ByteStream(body), request=request
        )

    async def __aenter__(self) -> SeamFloor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        while self._idle is not None and not self._idle.empty():
            self._idle.get_nowait()[1].close()


def make_client(connections: int, timeout: Any) -> Any:
    """An ``httpx.AsyncClient`` over the transport chosen with ``--transport``."""
    import httpx

    return httpx.AsyncClient(transport=make_transport(connections), timeout=timeout)


def cpu_timed(coroutine: Any, requests: int) -> tuple[float, float]:
    """``run_loop(coroutine)`` (a rate) and this process's CPU per request in µs (user + system; the
    server is another process): on a shared machine the load moves the rate far more than this."""
    started = time.process_time()
    rate = run_loop(coroutine)
    return rate, (time.process_time() - started) / requests * 1e6


def run_loop(coroutine: Any) -> Any:
    """``asyncio.run``, or ``uvloop.run`` with ``--uvloop``."""
    if USE_UVLOOP:
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


USE_UVLOOP = False


async def _httpx_alone(url: str, tasks: int, per_task: int, connections: int) -> float:
    """Requests/s of bare ``httpx.AsyncClient`` posts (no engine, no signing) from ``tasks`` tasks."""
    import httpx

    async with make_client(connections, httpx.Timeout(60.0, pool=None)) as client:

        async def one(index: int) -> None:
            body = json.dumps({"TrainingJobName": f"bare-{index}"}).encode()
            headers = {
                "X-Amz-Target": "SageMaker.DescribeTrainingJob",
                "Content-Type": "application/x-amz-json-1.1",
            }
            for _ in range(per_task):
                (await client.post(url + "/", content=body, headers=headers)).json()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(tasks)))
        return tasks * per_task / (time.perf_counter() - started)


def make_transport(connections: int) -> Any:
    """The transport chosen with ``--transport``, without an ``httpx.AsyncClient`` on top."""
    import httpx

    if TRANSPORT == "seam":
        return SeamFloor(connections)
    framing = TRANSPORTS[TRANSPORT]
    if framing is not None:
        from arazzo_runner.http.lean_transport import LeanAsyncTransport

        return LeanAsyncTransport(max_connections=connections, framing=framing)  # type: ignore[arg-type]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncHTTPTransport(limits=limits)


async def _transport_alone(url: str, tasks: int, per_task: int, connections: int) -> float:
    """Requests/s of the transport itself (``handle_async_request``; no client, no auth, no cookies)."""
    import httpx

    transport = make_transport(connections)
    timeout = httpx.Timeout(60.0, pool=None).as_dict()
    target = httpx.URL(url + "/")

    async def one(index: int) -> None:
        body = json.dumps({"TrainingJobName": f"bare-{index}"}).encode()
        headers = {
            "X-Amz-Target": "SageMaker.DescribeTrainingJob",
            "Content-Type": "application/x-amz-json-1.1",
        }
        for _ in range(per_task):
            request = httpx.Request(
                "POST", target, content=body, headers=headers, extensions={"timeout": timeout}
            )
            response = await transport.handle_async_request(request)
            json.loads(await response.aread())
            await response.aclose()

    async with transport:
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(tasks)))
        return tasks * per_task / (time.perf_counter() - started)


def transport_alone(tasks: int, connections: int) -> float:
    with harness.server_process(20) as url:
        rate, cpu = cpu_timed(_transport_alone(url, tasks, 22, connections), tasks * 22)
    print(
        f"{TRANSPORT_NAMES[TRANSPORT]}{' + uvloop' if USE_UVLOOP else ''} alone, no client ({tasks:,} tasks x 22 unsigned posts,"
        f" {connections} connections, no engine): {rate:,.0f} requests/s, {cpu:.1f} µs CPU/request"
    )
    return rate


def httpx_alone(tasks: int, connections: int) -> float:
    with harness.server_process(20) as url:
        rate = run_loop(_httpx_alone(url, tasks, 22, connections))
    print(
        f"httpx.AsyncClient over {TRANSPORT}{' + uvloop' if USE_UVLOOP else ''} alone ({tasks:,} tasks x 22"
        f" unsigned posts, {connections} connections, no engine):"
        f" {rate:,.0f} requests/s"
    )
    return rate


# -- 2. concurrent runs ----------------------------------------------------------------------------


async def _concurrent(url: str, runs: int, connections: int, journal: Any = None) -> dict[str, Any]:
    """``runs`` flagship runs at once; ``journal``: one ``Journal`` every run records in (or None)."""
    import httpx

    import arazzo_runner
    from arazzo_runner.drivers.environment import RunEnvironment
    from arazzo_runner.engine import PollPacing, RunOptions

    document = arazzo_runner.load(harness.FLAGSHIP)
    # Requests in flight bounded to the pool size: more would only queue inside httpcore, whose
    # pool does work per queued request x connection on every request.
    environment = RunEnvironment(
        servers={"sagemakerApi": url}, aws=harness.aws_environment(), max_in_flight=connections
    )
    options = RunOptions(pacing=PollPacing(interval=0))
    inputs = base_inputs()
    timeout = httpx.Timeout(60.0, pool=None)  # thousands of runs queue for 100 connections: no pool timeout
    rss_before = harness.rss_mb()
    async with make_client(connections, timeout) as client:
        # One warm run (imports, first connection) outside the timing.
        await document.run_async(
            "train-and-poll-job",
            dict(inputs, trainingJobName="warm"),
            options=options,
            environment=environment,
            client=client,
            journal=journal,
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        results = await asyncio.gather(
            *(
                document.run_async(
                    "train-and-poll-job",
                    dict(inputs, trainingJobName=f"fleet-{i}"),
                    options=options,
                    environment=environment,
                    client=client,
                    journal=journal,
                )
                for i in range(runs)
            )
        )
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    failed = [r for r in results if r.status != "succeeded"]
    steps = sum(r.requests for r in results)
    return {
        "runs": runs,
        "failed": len(failed),
        "first_error": str(failed[0].error) if failed else None,
        "wall_s": wall,
        "steps": steps,
        "steps_per_s": steps / wall,
        # This process's CPU (engine, signing, transport; the server is another process) per step: on a
        # loaded machine the wall rate drops with the load, this much less.
        "cpu_us_per_step": cpu / steps * 1e6,
        "rss_before_mb": rss_before,
        "peak_rss_mb": harness.peak_rss_mb(),
    }


def concurrent_child(runs: int, connections: int, fixes: str, journaled: bool) -> None:
    """Runs in a fresh process (peak RSS is per process); prints one JSON line."""
    if fixes:
        import fixes as patches

        patches.apply(fixes)
    with tempfile.TemporaryDirectory() as folder, harness.server_process(20) as url:
        journal = None
        if journaled:
            from arazzo_runner.journal import Journal

            journal = Journal(Path(folder) / "fleet.db")
        row = run_loop(_concurrent(url, runs, connections, journal))
        if journal is not None:
            journal.close()
            row["journal_mb"] = sum(p.stat().st_size for p in Path(folder).glob("fleet.db*")) / 1e6
        print(json.dumps(row))


def concurrent(runs: int, connections: int, fixes: str, journaled: bool = False) -> dict[str, Any] | None:
    """``runs`` concurrent runs in a child process; prints a line and returns its figures (None: failed)."""
    command = [sys.executable, __file__, "--child-concurrent", str(runs), "--connections", str(connections)]
    command += ["--transport", TRANSPORT] + (["--uvloop"] if USE_UVLOOP else [])
    command += ["--journal"] if journaled else []
    if fixes:
        command += ["--fixes", fixes]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        print(f"{runs} concurrent runs: child failed: {done.stderr[-2000:]}")
        return None
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    target = TARGET_RSS_MB.get(runs)
    rss_verdict = (
        f" (target <= {target} MB: {'MET' if row['peak_rss_mb'] <= target else 'MISSED'})" if target else ""
    )
    target_rate = target_steps_per_s(USE_UVLOOP)
    rate_verdict = "MET" if row["steps_per_s"] >= target_rate else "MISSED"
    journal_note = f", journal on ({row['journal_mb']:.1f} MB)" if journaled else ", journal off"
    print(
        f"{runs:>6,} concurrent runs x 22 steps ({TRANSPORT}{' + uvloop' if USE_UVLOOP else ''}{journal_note}): wall {row['wall_s']:6.1f} s, {row['steps_per_s']:7,.0f} steps/s"
        f" (target >= {target_rate}: {rate_verdict}), client CPU {row['cpu_us_per_step']:.0f} µs/step, peak RSS {row['peak_rss_mb']:6.1f} MB{rss_verdict},"
        f" RSS before {row['rss_before_mb']:.1f} MB, failed {row['failed']}"
        + (f" ({row['first_error']})" if row["failed"] else "")
    )
    return row


def _profile_group(filename: str) -> str:
    """Which part of the stack a profiled function belongs to (a module folder, a package, asyncio)."""
    if "arazzo_runner/http/lean_" in filename:
        return "arazzo_runner: the lean transport"
    if "arazzo_runner/" in filename:
        return "arazzo_runner: " + filename.split("arazzo_runner/")[-1].split("/")[0].removesuffix(".py")
    if "site-packages/" in filename:
        return filename.split("site-packages/")[-1].split("/")[0]
    if "/asyncio/" in filename:
        return "asyncio"
    return "built-ins" if filename == "~" else "standard library"


def profile(runs: int, connections: int) -> None:
    """Where the fleet's client CPU goes: ``runs`` concurrent runs in this process under cProfile
    (process time), own time per step grouped by part of the stack (the document load included)."""
    import cProfile
    import pstats

    with harness.server_process(20) as url:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        row = run_loop(_concurrent(url, runs, connections))
        profiler.disable()
    stats: Any = pstats.Stats(profiler)
    groups: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        groups[_profile_group(filename)] = groups.get(_profile_group(filename), 0.0) + own
    total, steps = sum(groups.values()), row["steps"]
    print(
        f"{runs:,} concurrent runs ({TRANSPORT}{' + uvloop' if USE_UVLOOP else ''}) under cProfile:"
        f" {total / steps * 1e6:,.0f} µs CPU a step (profiled), own time by part of the stack:"
    )
    for name, own in sorted(groups.items(), key=lambda item: -item[1])[:15]:
        print(f"  {name:45s} {own / steps * 1e6:7.1f} µs/step  {own / total:6.1%}")


# -- 3. sequential soak ----------------------------------------------------------------------------


def sequential(runs: int, polls: int) -> None:
    import httpx

    import arazzo_runner
    from arazzo_runner.drivers.environment import RunEnvironment
    from arazzo_runner.engine import PollPacing, RunOptions

    with harness.server_process(polls) as url, httpx.Client() as client:
        document = arazzo_runner.load(harness.FLAGSHIP)
        environment = RunEnvironment(servers={"sagemakerApi": url}, aws=harness.aws_environment())
        options = RunOptions(pacing=PollPacing(interval=0))
        inputs = base_inputs()
        print(f"{runs:,} sequential runs (InProgress x{polls} each) on one loaded document; RSS every 1,000:")
        print(f"  before: {harness.rss_mb():7.1f} MB")
        started = time.perf_counter()
        marks: list[float] = []
        for i in range(1, runs + 1):
            result = document.run(
                "train-and-poll-job",
                dict(inputs, trainingJobName=f"seq-{i}"),
                options=options,
                environment=environment,
                client=client,
            )
            if result.status != "succeeded":
                raise RuntimeError(f"run {i} failed: {result.error}")
            if i % 1000 == 0:
                marks.append(harness.rss_mb())
                print(f"  after {i:>6,} runs: {marks[-1]:7.1f} MB   ({time.perf_counter() - started:5.1f} s)")
        growth = marks[-1] - marks[0] if len(marks) > 1 else 0.0
        print(
            f"  growth from the first to the last mark: {growth:+.1f} MB ({'flat' if abs(growth) < 5 else 'GROWING'})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="concurrent and sequential flagship runs in one process")
    parser.add_argument(
        "--only",
        help="server | raw:N | transport:N | httpx:N | concurrent:N | profile:N | sequential (default: all)",
    )
    parser.add_argument(
        "--connections", type=int, default=20, help="httpx pool size and requests in flight (default 20)"
    )
    parser.add_argument("--seq-runs", type=int, default=10_000)
    parser.add_argument("--seq-polls", type=int, default=2, help="InProgress answers per sequential run")
    parser.add_argument("--fixes", default="", help="apply bench/fixes.py patches (comma list or 'all')")
    parser.add_argument(
        "--transport",
        choices=list(TRANSPORTS),
        default="lean",
        help="the async transport: lean (the default, what users get: httptools framing), lean-h11, httpx;"
        " seam (transport:N only: the raw client behind httpx's seam)",
    )
    parser.add_argument(
        "--uvloop", action="store_true", help="run on uvloop (pip install 'arazzo-runner[fast]')"
    )
    parser.add_argument(
        "--journal",
        action="store_true",
        help="journal the concurrent runs (one SQLite journal, a temp folder)",
    )
    parser.add_argument("--child-concurrent", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global TRANSPORT, USE_UVLOOP
    TRANSPORT, USE_UVLOOP = args.transport, args.uvloop
    if args.child_concurrent:
        concurrent_child(args.child_concurrent, args.connections, args.fixes, args.journal)
        return 0
    print(f"machine: {harness.machine()}")
    if args.fixes:
        print(f"with bench/fixes.py patches: {args.fixes}")
    parts = (
        [args.only]
        if args.only
        else ["server", "raw:1000", "httpx:1000", "concurrent:1000", "concurrent:10000", "sequential"]
    )
    for part in parts:
        if part == "server":
            server_alone(args.connections)
        elif part.startswith("raw:"):
            raw_alone(int(part.split(":", 1)[1]), args.connections)
        elif part.startswith("transport:"):
            transport_alone(int(part.split(":", 1)[1]), args.connections)
        elif part.startswith("httpx:"):
            if args.fixes:
                import fixes as patches

                patches.apply(args.fixes)
            httpx_alone(int(part.split(":", 1)[1]), args.connections)
        elif part.startswith("concurrent:"):
            concurrent(int(part.split(":", 1)[1]), args.connections, args.fixes, args.journal)
        elif part.startswith("profile:"):
            profile(int(part.split(":", 1)[1]), args.connections)
        elif part == "sequential":
            if args.fixes:
                import fixes as patches

                patches.apply(args.fixes)
            sequential(args.seq_runs, args.seq_polls)
        else:
            parser.error(f"unknown part {part!r}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
