"""``http.request.new_request`` builds the request ``httpx.Request(..., content=...)`` builds.

It skips httpx's second pass over the headers (see the function); this property test compares the
two on random methods, URLs, header lists (Host, Content-Length and Transfer-Encoding given or not,
any case) and bodies (none, empty, some bytes): same method, URL, headers in the same order, body.
"""

from __future__ import annotations

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_runner.http.request import new_request

names = st.sampled_from(
    ["X-Amz-Target", "Content-Type", "host", "Host", "content-length", "Transfer-Encoding", "Accept", "X-A"]
)
values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12)
urls = st.sampled_from(
    [
        "http://sagemaker.local/",
        "https://api.example.com:8443/v1/pets?x=1",
        "http://127.0.0.1:9/a%20b",
        "http://h",
        "http://bücher.example/x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    url=urls,
    headers=st.lists(st.tuples(names, values), max_size=5),
    content=st.one_of(st.none(), st.just(b""), st.binary(min_size=1, max_size=40)),
)
def test_new_request_is_what_httpx_request_builds(
    method: str, url: str, headers: list[tuple[str, str]], content: bytes | None
) -> None:
    expected = httpx.Request(method, httpx.URL(url), headers=headers, content=content)
    built = new_request(method, httpx.URL(url), headers, content)
    assert (built.method, built.url) == (expected.method, expected.url)
    assert built.headers.raw == expected.headers.raw
    assert built.content == expected.content == b"".join(built.stream)
    assert isinstance(built.stream, httpx.ByteStream)


@settings(max_examples=100, deadline=None)
@given(url=urls, query=st.sampled_from(["", "a=1", "b=%20&c"]))
def test_parsed_urls_keep_their_text_and_behave_as_httpx_urls(url: str, query: str) -> None:
    """Build requests parse each URL text once into an ``httpx.URL`` that caches its own text."""
    from arazzo_runner.http.request import parsed_url

    parsed, plain = parsed_url(url), httpx.URL(url)
    assert str(parsed) == str(plain) and str(parsed) == str(parsed)  # the second from the cache
    assert parsed == plain and hash(parsed) == hash(plain) and parsed.host == plain.host
    assert str(parsed.copy_with(query=query.encode())) == str(plain.copy_with(query=query.encode()))
