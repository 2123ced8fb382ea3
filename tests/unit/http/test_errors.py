"""Error codes read from answers: AWS JSON, the x-amzn-errortype header, XML (moto's auth errors)."""

from __future__ import annotations

from arazzo_runner.http.errors import ApiError, error_info

MOTO_XML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>'
    "<Message>The request signature we calculated does not match.</Message><Type>Sender</Type></Error></Errors>"
    "<RequestId>req-1</RequestId></ErrorResponse>"
)


def test_aws_json_error_with_namespace() -> None:
    info = error_info(400, {}, {"__type": "com.amazon.coral.service#ThrottlingException", "message": "Rate"})
    assert (info.code, info.message) == ("ThrottlingException", "Rate")


def test_header_wins_and_url_suffix_is_cut() -> None:
    info = error_info(
        400, {"X-Amzn-ErrorType": "ResourceNotFound:http://internal.amazon.com/"}, {"Message": "gone"}
    )
    assert (info.code, info.message) == ("ResourceNotFound", "gone")


def test_moto_xml_error_under_text_html() -> None:
    info = error_info(403, {"Content-Type": "text/html"}, MOTO_XML.encode())
    assert info.code == "SignatureDoesNotMatch" and info.request_id == "req-1" and info.is_auth_failure
    text = str(ApiError(info))
    assert text.startswith("SignatureDoesNotMatch (HTTP 403): The request signature")
    assert "AWS_SECRET_ACCESS_KEY" in text


def test_json_text_body_and_success_without_error() -> None:
    assert error_info(400, {}, '{"code": "Bad", "message": "m"}').code == "Bad"
    assert error_info(200, {}, {"ok": True}) is None
    info = error_info(500, {}, b"\xff\xfe")
    assert info.code is None and info.status == 500
