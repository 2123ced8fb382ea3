"""An XML answer's JSON view crosses the activity boundary (a workflow's pointers read it there too)."""

from __future__ import annotations

import json

from arazzo_runner.engine.needs import Exchange, Response
from arazzo_runner.temporal.messages import exchange_from_json, exchange_to_json


def test_the_view_of_an_xml_answer_survives_the_activity_boundary() -> None:
    view = {"KeyCount": 1, "Contents": [{"Key": "a"}]}
    exchange = Exchange(None, Response(200, (("content-type", "application/xml"),), "<L/>", view=view))
    back = exchange_from_json(json.loads(json.dumps(exchange_to_json(exchange))))
    assert back.response is not None and back.response.view == view and back.response.body == "<L/>"
    plain = Exchange(None, Response(200, (), {"a": 1}))
    assert exchange_from_json(json.loads(json.dumps(exchange_to_json(plain)))).response.view is None
