"""The asyncio transports (httpx's own, and the lean one with each of its framings: httptools, the
default, and h11) behave the same on the wire.

A small raw HTTP/1.1 server on 127.0.0.1 (asyncio streams, in the test's own event loop) answers by
path: keep-alive JSON, chunked, close-delimited, ``Connection: close``, silent, a body cut short, a
large body, interim 1xx answers, bodiless answers, malformed or oversized heads. Every test runs once per transport; no real time passes but the short timeouts that the
timeout tests ask for (tenths of a second).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from arazzo_runner.http.errors import TransportFailure
from arazzo_runner.http.lean_transport import LeanAsyncTransport
from arazzo_runner.http.retries import RetryPolicy
from arazzo_runner.http.retry_loop import ResponseLimitExceeded, ResponseLimits, send_with_retries_async

TRANSPORTS: dict[str, Callable[..., httpx.AsyncBaseTransport]] = {
    "httpx": lambda **kw: httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=kw.get("max_connections", 100))
    ),
    "lean": lambda **kw: LeanAsyncTransport(max_connections=kw.get("max_connections", 100)),
    "lean-h11": lambda **kw: LeanAsyncTransport(
        max_connections=kw.get("max_connections", 100), framing="h11"
    ),
}


#: Paths answered with these bytes, the connection kept open.
CANNED = {
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    "/no-content": b"HTTP/1.1 204 No Content\r\n\r\n",
    # declares the length of a body it does not send
    "/not-modified": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
    # the answer to HEAD: the length of the body a GET would get, no body
    "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
    # a whole answer, then bytes that start no answer
    "/trailing-garbage": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE\r\n\r\n",
}
#: Paths answered with these bytes, then the connection closed.
CANNED_THEN_CLOSE = {
    "/close-delimited": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    "/cut": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..",
    "/malformed": b"HTTP/1.1 OK 200\r\nContent-Length: 2\r\n\r\nok",
    "/bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok",
}


class RawServer:
    """Counts connections and requests; each path is one server behaviour."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[str, str, bytes]] = []
        self.server: asyncio.base_events.Server | None = None
        self.release = asyncio.Event()
        self.closed_idle = asyncio.Event()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> RawServer:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        assert self.server is not None
        self.release.set()
        self.server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, target, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while (size := int((await reader.readline()).strip(), 16)) > 0:
                body += await reader.readexactly(size)
                await reader.readline()
            await reader.readline()
        else:
            body = b""
        self.requests.append((method, target, body))
        path = target.split("?", 1)[0]
        if path == "/silent":
            await self.release.wait()
            return False
        if path in CANNED:
            writer.write(CANNED[path])
        elif path in CANNED_THEN_CLOSE:
            writer.write(CANNED_THEN_CLOSE[path])
            await writer.drain()
            return False
        elif path == "/head-then-silence":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            await writer.drain()
            await self.release.wait()
            return False
        elif path == "/hangup":
            return False
        elif path == "/big":
            size = 3 * 1024 * 1024
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            writer.write(b"x" * size)
        elif path == "/answer-then-close-idle":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            writer.close()
            self.closed_idle.set()
            return False
        elif path == "/interim":  # two 1xx answers before the real one, in separate writes
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
            writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
            await writer.drain()
            writer.write(b"HTTP/1.1 200 OK\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok")
        elif path == "/huge-head":  # 200 KiB of headers, more than any transport accepts
            writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: %s\r\n" % (b"y" * 1000) * 200)
            await writer.drain()
            await self.release.wait()
            return False
        elif path == "/endless":  # chunked, never ends (issue 17: the size limit must stop it)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * 65536
            for _ in range(10_000):  # 640 MiB at most: the client stops long before
                if reader.at_eof():  # the client hung up
                    return False
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            return False
        elif path == "/gzip-bomb":  # 16 MiB of zeros, ~16 KB on the wire
            bomb = gzip.compress(b"\0" * (16 * 1024 * 1024))
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(bomb), bomb)
            )
        elif path in ("/drip", "/drip-head"):  # a byte every 50 ms: no read ever times out
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n"
            data = head + b"x" * 400 if path == "/drip" else b"HTTP/1.1 200 OK\r\n" + b"X-Slow: y\r\n" * 200
            if path == "/drip":
                writer.write(head)
                data = data[len(head) :]
            for byte in data:
                if reader.at_eof():  # the client hung up
                    return False
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.05)
            return False
        else:
            answer = json.dumps(
                {"method": method, "target": target, "body": body.decode("latin-1"), "headers": headers}
            )
            data = answer.encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data)
            )
            writer.write(data)
        await writer.drain()
        return True


def run(kind: str, scenario: Callable[[httpx.AsyncClient, RawServer], Awaitable[Any]], **limits: Any) -> Any:
    async def main() -> Any:
        server = await RawServer().start()
        try:
            transport = TRANSPORTS[kind.removesuffix("-uvloop")](**limits)
            async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(2.0)) as client:
                return await scenario(client, server)
        finally:
            await server.stop()

    if kind.endswith("-uvloop"):  # uvloop's transports, as `arazzo worker` runs on them
        import uvloop

        return uvloop.run(main())
    return asyncio.run(main())


@pytest.fixture(params=[*sorted(TRANSPORTS), "lean-uvloop"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_keep_alive_reuses_one_connection(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> list[Any]:
        answers = []
        for i in range(5):
            response = await client.post(f"{server.url}/echo?n={i}", content=b"x" * i)
            answers.append(response.json())
        assert server.connections == 1
        return answers

    answers = run(kind, scenario)
    assert [a["target"] for a in answers] == [f"/echo?n={i}" for i in range(5)]
    assert [a["body"] for a in answers] == ["x" * i for i in range(5)]
    assert answers[4]["headers"]["content-length"] == "4"


def test_chunked_close_delimited_and_no_content_bodies(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[Any, ...]:
        chunked = await client.get(f"{server.url}/chunked")
        delimited = await client.get(f"{server.url}/close-delimited")
        empty = await client.get(f"{server.url}/no-content")
        after = await client.get(f"{server.url}/echo")
        return chunked.content, delimited.content, empty.status_code, empty.content, after.status_code

    assert run(kind, scenario) == (b"abcde", b"until the end", 204, b"", 200)


def test_connection_close_is_not_reused(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> int:
        for _ in range(3):
            assert (await client.get(f"{server.url}/close")).text == "ok"
        return server.connections

    assert run(kind, scenario) == 3


def test_server_hanging_up_without_answer_is_a_protocol_error_and_the_next_request_reconnects(
    kind: str,
) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> int:
        assert (await client.get(f"{server.url}/echo")).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{server.url}/hangup")
        assert (await client.get(f"{server.url}/echo")).status_code == 200
        return server.connections

    assert run(kind, scenario) == 2


def test_idle_connection_the_server_closed_is_not_reused(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> int:
        assert (await client.get(f"{server.url}/answer-then-close-idle")).status_code == 200
        await server.closed_idle.wait()
        await asyncio.sleep(0.05)  # let the client's event loop see the FIN
        assert (await client.get(f"{server.url}/echo")).status_code == 200
        return server.connections

    assert run(kind, scenario) == 2


def test_streamed_request_body_is_sent_chunked(kind: str) -> None:
    async def parts() -> Any:
        yield b"ab"
        yield b"cd"

    async def scenario(client: httpx.AsyncClient, server: RawServer) -> Any:
        return (await client.post(f"{server.url}/echo", content=parts())).json()

    answer = run(kind, scenario)
    assert answer["body"] == "abcd"
    assert answer["headers"]["transfer-encoding"] == "chunked"


def test_bodies_larger_than_one_write_arrive_whole(kind: str) -> None:
    """The lean transport gathers a request into one write up to 64 KiB, then writes in pieces:
    a 200 KB body, given whole and streamed in uneven parts, arrives byte for byte."""
    body = bytes(range(256)) * 800  # 204,800 bytes, every byte value
    text = body.decode("latin-1")

    async def parts() -> Any:
        for start in range(0, len(body), 70_001):
            yield body[start : start + 70_001]

    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[Any, Any]:
        whole = (await client.post(f"{server.url}/echo", content=body)).json()
        streamed = (await client.post(f"{server.url}/echo", content=parts())).json()
        return whole, streamed

    whole, streamed = run(kind, scenario)
    assert whole["body"] == text and whole["headers"]["content-length"] == str(len(body))
    assert streamed["body"] == text and streamed["headers"]["transfer-encoding"] == "chunked"


def test_connection_refused_is_a_connect_error(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        await client.get("http://127.0.0.1:1/")

    with pytest.raises(httpx.ConnectError):
        run(kind, scenario)


def test_silent_server_is_a_read_timeout(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        await client.get(f"{server.url}/silent", timeout=httpx.Timeout(2.0, read=0.2))

    with pytest.raises(httpx.ReadTimeout):
        run(kind, scenario)


def test_silence_after_the_head_is_a_read_timeout_on_the_body(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        await client.get(f"{server.url}/head-then-silence", timeout=httpx.Timeout(2.0, read=0.2))

    with pytest.raises(httpx.ReadTimeout):
        run(kind, scenario)


@pytest.mark.parametrize("path", ["/cut", "/malformed", "/bad-length"])
def test_body_cut_short_or_malformed_answer_is_a_protocol_error(kind: str, path: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        await client.get(f"{server.url}{path}")

    with pytest.raises(httpx.RemoteProtocolError):
        run(kind, scenario)


def test_pool_timeout_when_every_connection_is_busy(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        busy = asyncio.create_task(client.get(f"{server.url}/silent"))
        await asyncio.sleep(0.05)
        try:
            await client.get(f"{server.url}/echo", timeout=httpx.Timeout(2.0, pool=0.1))
        finally:
            busy.cancel()

    with pytest.raises(httpx.PoolTimeout):
        run(kind, scenario, max_connections=1)


def test_large_body_streamed_and_abandoned_closes_the_connection(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[int, int]:
        received = 0
        async with client.stream("GET", f"{server.url}/big") as response:
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received >= 100_000:
                    break
        assert (await client.get(f"{server.url}/echo")).status_code == 200
        return received, server.connections

    received, connections = run(kind, scenario)
    assert 100_000 <= received < 3 * 1024 * 1024
    assert connections == 2  # the abandoned connection was not reused


def test_concurrent_requests_share_a_bounded_pool(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[list[int], int]:
        responses = await asyncio.gather(*(client.get(f"{server.url}/echo?i={i}") for i in range(40)))
        return [r.status_code for r in responses], server.connections

    statuses, connections = run(kind, scenario, max_connections=4)
    assert statuses == [200] * 40
    assert 1 <= connections <= 4


# -- issue 17's response bounds, on both transports (send_with_retries_async streams and counts) --------


async def bounded_get(
    client: httpx.AsyncClient, url: str, limits: ResponseLimits
) -> tuple[float, BaseException | None]:
    """Send through the runs' exchange (streamed, bounded); (seconds taken, what it raised)."""
    started = time.monotonic()
    try:
        await send_with_retries_async(
            client, httpx.Request("GET", url), policy=RetryPolicy(1, ()), limits=limits
        )
    except TransportFailure as exc:  # ResponseLimitExceeded, or what the transport raised, wrapped
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_endless_body_stops_at_the_size_limit_and_frees_the_connection(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[Any, int]:
        _, error = await bounded_get(client, f"{server.url}/endless", ResponseLimits(max_bytes=1024 * 1024))
        # One connection in all: the stopped answer gave its slot back (and its connection was closed).
        after = await client.get(f"{server.url}/echo", timeout=httpx.Timeout(2.0, pool=0.5))
        assert after.status_code == 200
        return error, server.connections

    error, connections = run(kind, scenario, max_connections=1)
    assert isinstance(error, ResponseLimitExceeded)
    assert "after decoding, over the limit of 1048576 bytes (--max-response-size)" in str(error)
    assert connections == 2  # the connection that was cut off was not reused


def test_gzip_bomb_is_counted_decoded(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> Any:
        return (await bounded_get(client, f"{server.url}/gzip-bomb", ResponseLimits(max_bytes=1024 * 1024)))[
            1
        ]

    error = run(kind, scenario)
    assert isinstance(error, ResponseLimitExceeded)
    assert "after decoding, over the limit of 1048576 bytes" in str(error)


@pytest.mark.parametrize("path", ["/drip", "/drip-head"])
def test_dripping_answer_is_stopped_by_the_whole_exchange_timeout(kind: str, path: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[float, Any]:
        # 0.15 s: three drips of 50 ms, so only the whole exchange's bound can stop it, never one read's
        taken, error = await bounded_get(client, f"{server.url}{path}", ResponseLimits(seconds=0.15))
        after = await client.get(f"{server.url}/echo", timeout=httpx.Timeout(2.0, pool=0.5))
        assert after.status_code == 200
        return taken, error

    taken, error = run(kind, scenario, max_connections=1)
    assert not isinstance(error, ResponseLimitExceeded)  # past --http-timeout: a read timeout, retriable
    assert "ReadTimeout: the answer took longer than 0.15 s (--http-timeout)" in str(error)
    assert taken < 1.5  # the drip takes 20 s (body) or 120 s (headers) to finish


def test_dripping_answer_is_stopped_at_the_run_deadline(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[float, Any]:
        limits = ResponseLimits(seconds=30.0, deadline=time.monotonic() + 0.3)
        return await bounded_get(client, f"{server.url}/drip", limits)

    taken, error = run(kind, scenario)
    assert isinstance(error, ResponseLimitExceeded)  # a limit of the run: never retried
    assert "did not end before the run's deadline (--timeout)" in str(error)
    assert taken < 1.5


# -- framing edge cases: interim answers, bodiless answers, malformed or oversized heads --------------


def test_interim_answers_are_skipped(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[Any, ...]:
        response = await client.get(f"{server.url}/interim")
        after = await client.get(f"{server.url}/echo")
        return response.status_code, response.headers.get("x-final"), response.text, after.status_code

    assert run(kind, scenario) == (200, "yes", "ok", 200)


def test_head_and_not_modified_answers_have_no_body_and_keep_the_connection(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[Any, ...]:
        head = await client.head(f"{server.url}/head")
        not_modified = await client.get(f"{server.url}/not-modified")
        after = await client.get(f"{server.url}/echo")
        return (
            head.status_code,
            head.headers["content-length"],
            head.content,
            not_modified.status_code,
            not_modified.content,
            after.json()["method"],
            server.connections,
        )

    assert run(kind, scenario) == (200, "50", b"", 304, b"", "GET", 1)


def test_oversized_head_is_a_protocol_error_not_a_wait(kind: str) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> None:
        await client.get(f"{server.url}/huge-head", timeout=httpx.Timeout(2.0, read=5.0))

    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        run(kind, scenario)
    assert time.monotonic() - started < 4.0  # refused on size, not after the read timeout


def test_bytes_after_a_whole_answer_are_not_read_as_the_next_one(kind: str) -> None:
    """The lean framings keep the answer and drop the connection; httpcore reuses it and then fails:
    both report the garbage as a protocol error at worst, never as an answer."""

    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[str, int | str]:
        first = (await client.get(f"{server.url}/trailing-garbage")).text
        try:
            second: int | str = (await client.get(f"{server.url}/echo")).status_code
        except httpx.RemoteProtocolError:
            second = "RemoteProtocolError"
        return first, second

    first, second = run(kind, scenario)
    assert first == "ok"
    assert second == (200 if kind.startswith("lean") else "RemoteProtocolError")


@pytest.mark.parametrize(
    "headers",
    [{"X-Injected": "a\r\nX-Evil: 1"}, {"X-Nul": "a\0b"}, {"Bad Name": "a"}],
    ids=["crlf", "nul", "name"],
)
def test_a_header_that_would_change_the_request_is_refused_before_sending(
    kind: str, headers: dict[str, str]
) -> None:
    async def scenario(client: httpx.AsyncClient, server: RawServer) -> int:
        with pytest.raises(httpx.LocalProtocolError):
            await client.get(f"{server.url}/echo", headers=headers)
        return len(server.requests)

    assert run(kind, scenario) == 0


def test_a_short_read_timeout_after_a_long_one_on_the_same_connection_still_applies(kind: str) -> None:
    """The lean connection keeps one timer for its read deadlines: a shorter one must bring it forward."""

    async def scenario(client: httpx.AsyncClient, server: RawServer) -> float:
        assert (await client.get(f"{server.url}/echo", timeout=httpx.Timeout(30.0))).status_code == 200
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{server.url}/silent", timeout=httpx.Timeout(30.0, read=0.2))
        assert server.connections == 1
        return time.monotonic() - started

    assert run(kind, scenario) < 2.0


def test_large_body_read_whole_in_pieces_arrives_byte_for_byte(kind: str) -> None:
    """3 MiB read while the socket is paused and resumed (at most 64 KiB held unread)."""

    async def scenario(client: httpx.AsyncClient, server: RawServer) -> tuple[int, bool, int]:
        received, pieces = 0, 0
        async with client.stream("GET", f"{server.url}/big") as response:
            async for chunk in response.aiter_raw():
                assert chunk == b"x" * len(chunk)
                received += len(chunk)
                pieces += 1
                await asyncio.sleep(0)  # a slow reader: the server gets ahead
        reused = (await client.get(f"{server.url}/echo")).status_code == 200 and server.connections == 1
        return received, reused, pieces

    received, reused, pieces = run(kind, scenario)
    assert received == 3 * 1024 * 1024 and reused and pieces > 1
