"""RunSettings: plain JSON both ways, unknown settings refused, and what loosens a run's settings."""

from __future__ import annotations

import json

import pytest

from arazzo_runner.run_settings import RunSettings, SettingsError, loosenings, temporal_refusals

FULL = RunSettings(
    servers=(("api", "http://127.0.0.1:1"),),
    allow_hosts=("*.example.com",),
    deny_hosts=("10.0.0.0/8",),
    deny_private_networks=True,
    client_certs=(("api.example.com", "/c.pem", None),),
    http_timeout=5.0,
    max_response_size=1000,
    transport_retries=True,
    validate="strict",
    allow_remote=True,
    allow_outside=True,
)


def test_plain_json_round_trip() -> None:
    text = json.dumps(FULL.to_json())
    assert RunSettings.from_json(json.loads(text)) == FULL
    assert RunSettings.from_json({"servers": {"api": "http://x"}}) == RunSettings(
        servers=(("api", "http://x"),)
    )
    assert RunSettings.from_json(None) == RunSettings()


def test_a_setting_this_version_does_not_know_is_refused() -> None:
    with pytest.raises(SettingsError, match="cannot apply: denyTheMoon"):
        RunSettings.from_json({**FULL.to_json(), "denyTheMoon": True})
    with pytest.raises(SettingsError, match="cannot be read"):
        RunSettings.from_json({"clientCerts": [["only-a-host"]]})


def test_tightening_is_not_loosening() -> None:
    run = RunSettings(servers=(("api", "http://a"),), allow_hosts=("a", "b"), max_response_size=1000)
    tighter = run.tightened(
        deny_hosts=("c",), allow_hosts=("a",), max_response_size=10, deny_private_networks=True
    )
    assert loosenings(run, tighter) == []
    assert tighter.deny_hosts == ("c",) and tighter.allow_hosts == ("a",) and tighter.deny_private_networks


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"servers": {"api": "http://b"}}, "--server api=http://b (the run used http://a)"),
        ({"allow_hosts": ("z",)}, "--allow-host z (the run allowed a, b)"),
        ({"max_response_size": 2000}, "--max-response-size 2000 (the run used 1000)"),
        ({"http_timeout": 31.0}, "--http-timeout 31 (the run used 30)"),
        ({"transport_retries": True}, "--transport-retries"),
        ({"allow_remote": True}, "--allow-remote"),
        ({"allow_outside": True}, "--allow-outside"),
        ({"client_certs": (("a", "/c.pem", None),)}, "other client certificates"),
    ],
)
def test_each_loosening_is_named(change, named) -> None:
    run = RunSettings(servers=(("api", "http://a"),), allow_hosts=("a", "b"), max_response_size=1000)
    (found,) = loosenings(run, run.tightened(**change))
    assert found.startswith(named)


def test_dropped_protections_are_loosenings() -> None:
    assert loosenings(FULL, RunSettings()) != []
    assert "--deny-host 10.0.0.0/8 dropped" in loosenings(FULL, RunSettings())
    assert "--validate off (the run used strict)" in loosenings(FULL, RunSettings())


def test_what_a_temporal_worker_cannot_apply() -> None:
    assert [r.split(" ")[0] for r in temporal_refusals(FULL)] == ["--client-cert", "--allow-outside"]
    assert temporal_refusals(RunSettings(deny_hosts=("x",), max_response_size=5)) == []
