"""Files stay where they belong (issue 17, point 4): sources and ``$ref``s read only regular files
inside the document's folder tree, unless ``allow_outside`` or a source map says otherwise; every
unresolvable ``$ref`` is a located load-time problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.document.loader import validate
from arazzo_runner.errors import DocumentError

ARAZZO = """arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: api, url: '{url}', type: openapi}}]
workflows:
- workflowId: w
  steps:
  - {{stepId: a, operationId: a}}
"""
OPENAPI = """openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      operationId: a
      responses:
        '200': {response}
components:
  responses:
    ok: {{description: ok}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (a repository: it holds ``.git``; the working directory) with a sibling folder
    outside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "api.yaml").write_text(OPENAPI.format(response="{description: ok}"))
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    monkeypatch.chdir(project)
    return project


def write(project: Path, url: str, response: str = "{description: ok}") -> Path:
    (project / "api.yaml").write_text(OPENAPI.format(response=response))
    doc = project / "doc.arazzo.yaml"
    doc.write_text(ARAZZO.format(url=url))
    return doc


def codes(doc: Path, **options) -> list[tuple[str, str]]:
    return [(p.code, str(p)) for p in validate(doc, **options)]


def test_a_source_outside_the_folder_tree_is_refused_with_its_location(project: Path) -> None:
    doc = write(project, "../outside/api.yaml")
    found = codes(doc)
    assert found[0][0] == "outside"
    assert "doc.arazzo.yaml:3:" in found[0][1] and "--allow-outside" in found[0][1]
    assert codes(doc, allow_outside=True) == []


@pytest.mark.parametrize("url", ["/etc/passwd", "/proc/self/environ", "../../../../../../etc/hosts"])
def test_system_files_are_refused(project: Path, url: str) -> None:
    assert codes(write(project, url))[0][0] == "outside"


def test_an_explicit_source_map_may_point_outside(project: Path) -> None:
    doc = write(project, "https://example.com/api.yaml")
    mapping = {"https://example.com/api.yaml": str(project.parent / "outside" / "api.yaml")}
    assert codes(doc, source_map=mapping) == []


def test_a_symbolic_link_out_of_the_tree_is_refused(project: Path) -> None:
    os.symlink(project.parent / "outside" / "api.yaml", project / "link.yaml")
    assert codes(write(project, "./link.yaml"))[0][0] == "outside"


def test_devices_and_fifos_are_refused_even_when_outside_is_allowed(project: Path) -> None:
    os.mkfifo(project / "fifo.yaml")
    assert codes(write(project, "./fifo.yaml"))[0][0] == "not-regular"  # would block forever
    found = codes(write(project, "/dev/zero"), allow_outside=True)  # would eat memory
    assert found[0][0] == "not-regular" and "a device" in found[0][1]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("file:///etc/passwd#/x", "is outside the document's folder"),
        ("../outside/api.yaml#/components/responses/ok", "is outside the document's folder"),
        ("#/components/responses/nope", "does not resolve: nothing at /components/responses/nope"),
        ("./missing.yaml#/x", "file not found"),
        ("./api.yaml#/components/responses/nope", "does not resolve"),
    ],
)
def test_unresolvable_refs_are_located_load_errors(project: Path, ref: str, message: str) -> None:
    doc = write(project, "./api.yaml", response=f"{{$ref: '{ref}'}}")
    problems = validate(doc)
    assert problems and problems[0].code == "ref", problems
    text = str(problems[0])
    assert message in text
    assert text.startswith("api.yaml:8:") and "(at /paths/~1a/get/responses/200/$ref)" in text
    with pytest.raises(DocumentError):
        arazzo_runner.load(doc)


def test_resolvable_refs_load(project: Path) -> None:
    doc = write(project, "./api.yaml", response="{$ref: '#/components/responses/ok'}")
    assert codes(doc) == []


# -- issue 26 point 6: the root does not depend on the working directory --------------------------


def catalog(base: Path, repository: bool) -> Path:
    """The catalog layout: ``workflows/doc.arazzo.yaml`` naming ``../openapi/api.yaml``."""
    (base / "workflows").mkdir(parents=True)
    (base / "openapi").mkdir()
    if repository:
        (base / ".git").write_text("gitdir: /elsewhere\n")  # a worktree's .git is a file
    (base / "openapi" / "api.yaml").write_text(OPENAPI.format(response="{description: ok}"))
    doc = base / "workflows" / "doc.arazzo.yaml"
    doc.write_text(ARAZZO.format(url="../openapi/api.yaml"))
    return doc


@pytest.mark.parametrize("repository", [True, False])
def test_the_catalog_layout_validates_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repository: bool
) -> None:
    doc = catalog(tmp_path / "repo", repository)
    (tmp_path / "elsewhere").mkdir()
    for cwd in (tmp_path / "repo", doc.parent, tmp_path / "elsewhere", tmp_path / "repo" / "openapi"):
        monkeypatch.chdir(cwd)
        assert codes(doc) == [], cwd
        assert codes(Path(os.path.relpath(doc))) == [], cwd


def test_the_enclosing_repository_is_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arazzo_runner.document.loader import confinement_root

    repo = tmp_path / "repo"
    deep = repo / "a" / "b" / "workflows"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    monkeypatch.chdir(deep)
    assert confinement_root(str(deep / "doc.yaml")) == str(repo.resolve())
    (repo / "shared.yaml").write_text(OPENAPI.format(response="{description: ok}"))
    (deep / "doc.arazzo.yaml").write_text(ARAZZO.format(url="../../../shared.yaml"))
    assert codes(deep / "doc.arazzo.yaml") == []
    (deep / "doc.arazzo.yaml").write_text(ARAZZO.format(url="../../../../outside.yaml"))
    assert codes(deep / "doc.arazzo.yaml")[0][0] == "outside"


def test_without_a_repository_the_parent_of_the_document_folder_is_the_root(tmp_path: Path) -> None:
    doc = catalog(tmp_path / "a" / "catalog", repository=False)
    (tmp_path / "a" / "other.yaml").write_text(OPENAPI.format(response="{description: ok}"))
    doc.write_text(ARAZZO.format(url="../../other.yaml"))  # above the catalog: outside
    assert codes(doc)[0][0] == "outside"


@pytest.mark.parametrize("url", ["/etc/passwd", "/proc/self/environ", "../../../../../../etc/hosts"])
def test_system_files_stay_refused_from_the_catalog_layout(tmp_path: Path, url: str) -> None:
    doc = catalog(tmp_path / "repo", repository=False)
    doc.write_text(ARAZZO.format(url=url))
    assert codes(doc)[0][0] == "outside"


def test_a_symbolic_link_swapped_during_the_check_never_reads_outside(project: Path) -> None:
    """Issue 25 point 6: the check is of the file opened, not of the path (a swap raced past it)."""
    import threading

    from arazzo_runner.sources.fetch import SourceFetcher
    from arazzo_runner.yaml12 import YamlReadError

    (project / "inside.yaml").write_text("where: inside\n")
    secret = project.parent / "outside" / "secret.yaml"
    secret.write_text("where: OUTSIDE\n")
    link = project / "link.yaml"
    os.symlink(project / "inside.yaml", link)
    stop = threading.Event()

    def swap() -> None:  # flip the link between the inside file and the outside one, as fast as possible
        targets = [secret, project / "inside.yaml"]
        n = 0
        while not stop.is_set():
            temporary = project / f".link-{n}"
            os.symlink(targets[n % 2], temporary)
            os.replace(temporary, link)
            n += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    outcomes = {"inside": 0, "refused": 0}
    try:
        for _ in range(3000):
            fetcher = SourceFetcher(root=str(project))
            try:
                parsed = fetcher.fetch(str(link))
            except YamlReadError as exc:  # never a raw OSError
                assert exc.problems[0].code in ("outside", "not-found"), exc.problems
                outcomes["refused"] += 1
            else:
                assert parsed.data == {"where": "inside"}
                outcomes["inside"] += 1
    finally:
        stop.set()
        swapper.join()
    assert outcomes["inside"] and outcomes["refused"]  # both sides of the race were met
