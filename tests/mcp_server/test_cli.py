"""``arazzo mcp`` refuses bad command lines with a clear message and exit 2, before serving anything."""

from __future__ import annotations

from tests.conftest import DATA, FLAGSHIP


def test_an_unknown_server_name_is_a_usage_error(run_cli) -> None:
    done = run_cli("mcp", str(FLAGSHIP), "--server", "nope=http://127.0.0.1:9")
    assert done.returncode == 2
    assert "--server nope: no such source in the documents (the sources are: sagemakerApi)" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_invalid_document_is_reported_and_not_served(run_cli, tmp_path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text("arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nworkflows: []\n")
    done = run_cli("mcp", str(broken))
    assert done.returncode == 2
    assert "broken.arazzo.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_filters_that_leave_nothing_and_contradictions_are_usage_errors(run_cli) -> None:
    done = run_cli("mcp", str(FLAGSHIP), "--deny-workflow", "*")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "arazzo: error: no workflow left to serve (see --allow-workflow/--deny-workflow)",
    )
    done = run_cli(
        "mcp", str(DATA / "mcp" / "notes.arazzo.yaml"), "--deny-private-networks", "--allow-private-networks"
    )
    assert done.returncode == 2 and "contradict" in done.stderr


def test_secrets_come_from_the_environment_and_a_secrets_file(tmp_path, monkeypatch) -> None:
    import arazzo_runner
    from arazzo_runner.cli.mcp import _secrets
    from arazzo_runner.mcp_server import workflow_tools

    path = str(DATA / "mcp" / "notes.arazzo.yaml")
    tools = workflow_tools([(path, arazzo_runner.load(path))])
    monkeypatch.setenv("ARAZZO_SECRET_API_TOKEN", "from-the-environment")
    assert _secrets(None, tools) == {"apiToken": "from-the-environment"}
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("apiToken: from-the-file\n")
    assert _secrets(str(secrets), tools) == {"apiToken": "from-the-file"}
