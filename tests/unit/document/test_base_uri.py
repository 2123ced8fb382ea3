"""Arazzo 1.1 ``$self``, base URIs and identity-based references (1.1.0 text, Appendix B).

Each test follows one example of "Appendix B: Examples of Base URI Determination and Reference
Resolution", with a minimal workflow added so the document is complete, and local files (or a
source map) standing where the examples have servers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.document.base_uri import base_uri, resolve_self, retrieval_uri
from arazzo_runner.document.loader import load_report
from tests.conftest import DATA

PETS = DATA / "documents" / "pets.openapi.yaml"
WORKFLOW = "workflows:\n- {workflowId: buy, steps: [{stepId: list, operationId: listPets}]}\n"
CALLS = (
    "workflows:\n- {workflowId: buy, steps: [{stepId: call, workflowId: $sourceDescriptions.purchase.buy}]}\n"
)


def _doc(path: Path, head: str, sources: str, workflow: str = WORKFLOW) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"arazzo: 1.1.0\n{head}info: {{title: Pet Purchase Workflow, version: 1.0.0}}\nsourceDescriptions:\n{sources}{workflow}"
    )
    return path


def test_base_uri_rules() -> None:
    # "Base URI Within Content (Using $self)": retrieval location does not matter.
    assert (
        base_uri(
            "https://api.example.com/workflows/purchase.arazzo.yaml",
            "/Users/dev/projects/workflows/purchase.arazzo.yaml",
        )
        == "https://api.example.com/workflows/purchase.arazzo.yaml"
    )
    # "Base URI From the Retrieval URI (No $self)".
    assert base_uri(None, "/Users/dev/projects/workflows/purchase.arazzo.yaml") == (
        "file:///Users/dev/projects/workflows/purchase.arazzo.yaml"
    )
    # "Resolving Relative $self".
    assert resolve_self(
        "workflows/purchase.arazzo.yaml", "https://api.example.com/v2/api-description.yaml"
    ) == ("https://api.example.com/v2/workflows/purchase.arazzo.yaml")
    assert retrieval_uri("https://x.example/a.yaml") == "https://x.example/a.yaml"


def test_self_is_the_base_of_relative_source_urls(tmp_path: Path) -> None:
    """Base URI Within Content: ../specs/petstore.yaml resolves against $self, not the file."""
    doc = _doc(
        tmp_path / "workflows" / "purchase.arazzo.yaml",
        "$self: https://api.example.com/workflows/purchase.arazzo.yaml\n",
        "- {name: petstore, url: ../specs/petstore.yaml, type: openapi}\n",
    )
    (tmp_path / "specs").mkdir()
    shutil.copy(PETS, tmp_path / "specs" / "petstore.yaml")  # where the retrieval URI would point
    (problem,) = load_report(doc).problems
    assert "remote source https://api.example.com/specs/petstore.yaml is not fetched" in problem.message
    assert "'../specs/petstore.yaml' is relative to the document's $self" in problem.message
    mapped = {"https://api.example.com/specs/petstore.yaml": str(PETS)}
    document = arazzo_runner.load(doc, source_map=mapped)
    assert document.self_uri == "https://api.example.com/workflows/purchase.arazzo.yaml"


def test_without_self_the_retrieval_uri_is_the_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # run from the project's root: ../specs is inside its folder tree
    doc = _doc(
        tmp_path / "workflows" / "purchase.arazzo.yaml",
        "",
        "- {name: petstore, url: ../specs/petstore.yaml, type: openapi}\n",
    )
    (tmp_path / "specs").mkdir()
    shutil.copy(PETS, tmp_path / "specs" / "petstore.yaml")
    document = arazzo_runner.load(doc)
    assert document.self_uri is None
    assert document.sources["petstore"].location == str(tmp_path / "specs" / "petstore.yaml")


def test_a_relative_self_is_resolved_first(tmp_path: Path) -> None:
    """Resolving Relative $self: $self against the retrieval URI, then sources against $self."""
    doc = _doc(
        tmp_path / "v2" / "api-description.yaml",
        "$self: workflows/purchase.arazzo.yaml\n",
        "- {name: petstore, url: ../specs/petstore.yaml, type: openapi}\n",
    )
    (tmp_path / "v2" / "specs").mkdir()
    shutil.copy(PETS, tmp_path / "v2" / "specs" / "petstore.yaml")
    document = arazzo_runner.load(doc)
    assert document.self_uri == (tmp_path / "v2" / "workflows" / "purchase.arazzo.yaml").as_uri()
    assert document.sources["petstore"].location == str(tmp_path / "v2" / "specs" / "petstore.yaml")


def test_arazzo_sources_are_found_by_identity_before_location(tmp_path: Path) -> None:
    """Identity vs Location: the source names the canonical URI; the document that has that
    $self is used, wherever it is, even when the source map points the URL elsewhere."""
    canonical = "https://workflows.example.com/canonical/purchase.arazzo.yaml"
    shutil.copy(PETS, tmp_path / "pets.openapi.yaml")
    child = _doc(
        tmp_path / "cache" / "abc123.yaml",
        f"$self: {canonical}\n",
        f"- {{name: pets, url: {(tmp_path / 'pets.openapi.yaml').as_uri()}, type: openapi}}\n",
    )
    decoy = _doc(
        tmp_path / "decoy.arazzo.yaml",
        "",
        f"- {{name: pets, url: {(tmp_path / 'pets.openapi.yaml').as_uri()}}}\n",
    )
    entry = _doc(
        tmp_path / "entry.arazzo.yaml", "", f"- {{name: purchase, url: '{canonical}', type: arazzo}}\n", CALLS
    )
    found = arazzo_runner.load(entry, documents=[child], source_map={canonical: str(decoy)})
    assert found.sources["purchase"].location == str(child)
    # Without the provided document, the URL is read by location (here: the source map).
    by_location = arazzo_runner.load(entry, source_map={canonical: str(decoy)})
    assert by_location.sources["purchase"].location == canonical
    assert by_location.sources["purchase"].self_uri is None


def test_documents_name_each_other_by_self(tmp_path: Path) -> None:
    """A nested document finds the entry document by the entry's $self (no network, no map)."""
    shutil.copy(PETS, tmp_path / "pets.openapi.yaml")
    entry_self = "https://workflows.example.com/entry.arazzo.yaml"
    child_self = "https://workflows.example.com/child.arazzo.yaml"
    pets = (tmp_path / "pets.openapi.yaml").as_uri()
    child = _doc(
        tmp_path / "child.arazzo.yaml",
        f"$self: {child_self}\n",
        f"- {{name: pets, url: '{pets}', type: openapi}}\n- {{name: parent, url: '{entry_self}', type: arazzo}}\n",
    )
    entry = _doc(
        tmp_path / "entry.arazzo.yaml",
        f"$self: {entry_self}\n",
        f"- {{name: pets, url: '{pets}', type: openapi}}\n- {{name: child, url: '{child_self}', type: arazzo}}\n",
    )
    document = arazzo_runner.load(entry, documents=[child])
    assert document.sources["child"].sources["parent"] is document


def test_1_0_documents_resolve_by_location_only(tmp_path: Path) -> None:
    shutil.copy(PETS, tmp_path / "pets.openapi.yaml")
    canonical = "https://workflows.example.com/canonical/purchase.arazzo.yaml"
    child = _doc(
        tmp_path / "child.arazzo.yaml", f"$self: {canonical}\n", "- {name: pets, url: ./pets.openapi.yaml}\n"
    )
    entry = tmp_path / "entry.arazzo.yaml"
    entry.write_text(
        "arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n"
        f"- {{name: purchase, url: '{canonical}', type: arazzo}}\n{CALLS}"
    )
    with pytest.raises(arazzo_runner.DocumentError, match=r"remote source .* is not fetched"):
        arazzo_runner.load(entry, documents=[child])


def test_cli_takes_the_documents_a_source_may_name_by_identity(run_cli, tmp_path: Path) -> None:
    canonical = "https://workflows.example.com/canonical/purchase.arazzo.yaml"
    shutil.copy(PETS, tmp_path / "pets.openapi.yaml")
    child = _doc(
        tmp_path / "child.arazzo.yaml",
        f"$self: {canonical}\n",
        f"- {{name: pets, url: '{(tmp_path / 'pets.openapi.yaml').as_uri()}'}}\n",
    )
    entry = _doc(
        tmp_path / "entry.arazzo.yaml", "", f"- {{name: purchase, url: '{canonical}', type: arazzo}}\n", CALLS
    )
    assert run_cli("validate", str(entry)).returncode == 2  # by location: a remote URL, refused
    result = run_cli("validate", str(entry), "--with-document", str(child))
    assert result.returncode == 0, result.stderr
    assert "valid (Arazzo 1.1 rules)" in result.stderr
