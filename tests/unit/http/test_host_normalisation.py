"""Every spelling of an IPv4 address is read as that address (``--deny-host``/``--allow-host``).

``getaddrinfo`` reads hosts with ``inet_aton``'s rules (one to four parts, decimal, octal or hex,
the last part filling the remaining bytes), so the policy must too; the integration test
``tests/integration/hostile/test_host_spellings.py`` shows real connections taking such spellings.
"""

from __future__ import annotations

import ipaddress
import socket

from hypothesis import given
from hypothesis import strategies as st

from arazzo_runner.http.network_policy import canonical_host


def spellings(number: int) -> list[str]:
    a, b, c, d = ipaddress.IPv4Address(number).packed
    return [
        str(number),
        hex(number),
        "0" + format(number, "o"),
        f"{hex(a)}.{hex(b)}.{hex(c)}.{hex(d)}",
        f"0{a:o}.{b}.0x{c:x}.{d}",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"[::ffff:{a}.{b}.{c}.{d}]",
        f"[::ffff:{(a << 8) | b:x}:{(c << 8) | d:x}]",
        f"{a}.{b}.{c}.{d}.",
    ]


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_spelling_is_the_address(number: int) -> None:
    address = str(ipaddress.IPv4Address(number))
    for spelling in spellings(number):
        assert canonical_host(spelling) == address, spelling


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_the_c_library_reads_the_same_address(number: int) -> None:
    for spelling in spellings(number)[:7]:  # the IPv4 forms inet_aton takes
        assert socket.inet_ntoa(socket.inet_aton(spelling)) == canonical_host(spelling), spelling


def test_what_is_not_an_address_stays_a_name() -> None:
    for name in ("0x", "1.2.3.256", "4294967296", "08.1.1.1", "a.b", "1..2", "example.com"):
        assert canonical_host(name) == name
    assert canonical_host("EXAMPLE.com.") == "example.com"
    assert canonical_host("[0:0:0:0:0:0:0:1]") == "::1"
