"""Public corpora (copied under tests/data/conformance): schema cases, examples, resolution cases.

Where a public example has a genuine error, the test asserts that we report it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.document.loader import check_version
from arazzo_runner.document.schema import validate_schema
from arazzo_runner.errors import Problem, Severity
from arazzo_runner.yaml12 import read_file
from tests.conftest import DATA

CORPORA = DATA / "conformance"
OAI = CORPORA / "oai-arazzo-spec"
EXAMPLES = OAI / "examples" / "1.0.0"
PETSTORE_URLS = {
    "https://raw.githubusercontent.com/swagger-api/swagger-petstore/master/src/main/resources/openapi.yaml",
    "https://github.com/swagger-api/swagger-petstore/blob/master/src/main/resources/openapi.yaml",
}
PETSTORE_MAP = dict.fromkeys(PETSTORE_URLS, str(CORPORA / "spec-1.0.1" / "petstore-stub.openapi.yaml"))


def schema_problems(path: Path) -> list[Problem]:
    parsed = read_file(str(path))
    version = check_version(parsed)
    return [version] if version else validate_schema(parsed)


def errors(path: Path, **kwargs) -> list[Problem]:
    return [p for p in arazzo_runner.validate(path, **kwargs) if p.severity is Severity.ERROR]


@pytest.mark.parametrize(
    "path", sorted((OAI / "schema-tests-1.0" / "pass").glob("*.yaml")), ids=lambda p: p.name
)
def test_schema_pass_cases(path: Path) -> None:
    assert schema_problems(path) == []


@pytest.mark.parametrize(
    "path", sorted((OAI / "schema-tests-1.0" / "fail").glob("*.yaml")), ids=lambda p: p.name
)
def test_schema_fail_cases(path: Path) -> None:
    problems = schema_problems(path)
    assert problems
    assert all(p.location.line for p in problems)


def test_schema_fail_case_messages() -> None:
    version = schema_problems(OAI / "schema-tests-1.0" / "fail" / "invalid-arazzo-version.yaml")
    assert version[0].message == "expected string, got number"
    assert schema_problems(OAI / "schema-tests-1.0" / "fail" / "not-an-object.yaml")[0].message == (
        "expected object, got array"
    )


def test_example_oauth_is_valid() -> None:
    assert errors(EXAMPLES / "oauth.arazzo.yaml") == []


def test_example_pet_coupons_is_valid() -> None:
    problems = arazzo_runner.validate(EXAMPLES / "pet-coupons.arazzo.yaml")
    assert [p for p in problems if p.severity is Severity.ERROR] == []


def test_example_bnpl_output_references() -> None:
    # Genuine errors in the published example, found by checking what expressions name.
    url = "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/bnpl-openapi.yaml"
    source_map = {url: str(EXAMPLES / "bnpl-openapi.yaml")}
    found = errors(EXAMPLES / "bnpl-arazzo.yaml", source_map=source_map)
    assert [(p.location.line, p.location.pointer) for p in found] == [
        (231, "/workflows/0/steps/4/parameters/0/value"),
        (242, "/workflows/0/steps/5/parameters/0/value"),
        (253, "/workflows/0/steps/6/parameters/0/value"),
        (260, "/workflows/0/outputs/finalizedPaymentPlan"),
    ]
    assert "step 'authenticateCustomerAndAuthorizeLoan' has no output 'redirectAuthToken'" in found[0].message
    assert "step 'initiateBnplTransaction' has no output 'loanTransactionId'" in found[1].message
    # 1.0.0-style '$steps.x.name' (corrected to '.outputs.' in 1.0.1, CHG-03), located at the column.
    assert "expected '.outputs.<name>'" in found[3].message
    assert found[3].location.column == 62


def test_example_fapi_par_operation_id_case() -> None:
    # Genuine error in the example: operationIds are case-sensitive and the OpenAPI says 'Par'.
    found = errors(EXAMPLES / "FAPI-PAR.arazzo.yaml")
    assert [p.message for p in found] == [
        "step 'PARStep': operationId 'PAR' is not defined in source 'auth-api' (did you mean 'Par'?)"
    ]


def test_example_extended_parameters_missing_source() -> None:
    # ERR-07: ./animals.yaml does not exist upstream.
    found = errors(EXAMPLES / "ExtendedParametersExample.arazzo.yaml")
    assert len(found) == 1
    assert found[0].message.startswith("source 'animals': file not found")
    assert found[0].location.pointer == "/sourceDescriptions/0/url"


def test_example_login_and_retrieve_pets_operation_path_without_method() -> None:
    # Genuine error in this example: the operationPath stops at the path item (no '/get').
    found = errors(EXAMPLES / "LoginAndRetrievePets.arazzo.yaml", source_map=PETSTORE_MAP)
    assert len(found) == 1
    assert "must point at an operation" in found[0].message
    assert found[0].location.pointer == "/workflows/0/steps/1/operationPath"


def test_spec_root_example_errata() -> None:
    found = errors(CORPORA / "spec-1.0.1" / "root-example.arazzo.yaml", source_map=PETSTORE_MAP)
    messages = [p.message for p in found]
    # ERR-01: 'petstoreDescription' vs the declared 'petStoreDescription' (names are case-sensitive).
    # ERR-02: the value names step 'loginUser', but the step is 'loginStep'.
    assert messages == [
        "step 'getPetStep': unknown source description 'petstoreDescription' (did you mean 'petStoreDescription'?)",
        "$steps.loginUser.outputs.sessionToken: no step 'loginUser' in workflow 'loginUserAndRetrievePet'"
        " (did you mean 'loginStep'?)",
    ]
    assert [p.location.line for p in found] == [47, 54]


def test_binkylabs_operation_resolution() -> None:
    base = CORPORA / "binkylabs" / "OperationResolution"
    assert errors(base / "valid.arazzo.yaml") == []
    ambiguous = errors(base / "ambiguous.arazzo.yaml")
    assert len(ambiguous) == 1
    assert ambiguous[0].location.pointer == "/workflows/0/steps/0/operationId"
    assert "'listPets' is ambiguous" in ambiguous[0].message
    assert "$sourceDescriptions.inventory.listPets" in ambiguous[0].message
    invalid = errors(base / "invalid.arazzo.yaml")
    assert [p.location.pointer for p in invalid] == [
        "/workflows/0/steps/0/operationId",
        "/workflows/0/steps/1/operationPath",
    ]
    assert "unknown operationId 'missingOperation'" in invalid[0].message
    assert "no POST operation at path '/pets'" in invalid[1].message


def test_speakeasy_invalid_document() -> None:
    problems = schema_problems(CORPORA / "speakeasy" / "invalid.arazzo.yaml")
    assert [(p.location.pointer, p.message) for p in problems] == [
        ("/info", "missing required field 'version'"),
        ("/workflows/0/steps/0", "exactly one of operationId, operationPath, workflowId is required"),
        ("/workflows/0/steps/1/parameters/0", "missing required field 'in'"),
    ]


@pytest.mark.parametrize(
    ("name", "genuine"),
    [
        ("simple.arazzo.yaml", []),
        ("speakeasybar.arazzo.yaml", []),
        # A leftover format verb in a component's condition: '$statusCode == 500%s'.
        ("test.arazzo.yaml", ["/components/failureActions/failure/criteria/0/condition"]),
        # '$response.body.id' navigation, which the 1.0 grammar does not have (a pointer is).
        (
            "traintravelapi.arazzo.yaml",
            [
                "/workflows/0/steps/0/outputs/booking_id",
                "/workflows/0/steps/1/outputs/payment_status",
                "/workflows/1/steps/0/outputs/trip_id",
            ],
        ),
    ],
)
def test_speakeasy_documents(name: str, genuine: list[str]) -> None:
    assert schema_problems(CORPORA / "speakeasy" / name) == []
    found = errors(CORPORA / "speakeasy" / name)
    # Their sources are fictional: the source itself is reported once, never once per step.
    sources = [p for p in found if p.code in ("remote-refused", "not-found")]
    assert sources and all(p.location.pointer.startswith("/sourceDescriptions/") for p in sources)
    assert [p.location.pointer for p in found if p not in sources] == genuine
