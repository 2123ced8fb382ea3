"""moto's server enforcing IAM policies on SageMaker, including resources and ``iam:PassRole``.

Launched by the IAM policy tests in its own process (``INITIAL_NO_AUTH_ACTION_COUNT`` must be set
before moto is imported and holds for the whole process). Prints ``PORT <n>``; serves until stdin
closes.

What moto 5 enforces by itself, and what this harness adds (measured, moto 5.2.5):

* moto checks the action of every call against the caller's policies, but evaluates SageMaker
  calls against ``Resource: "*"`` (``SageMakerResponse`` has no ``_determine_resource``): a
  statement naming a training job's ARN never matches. The harness gives SageMaker's JSON calls
  the ARN of the resource they name, the way AWS's authorisation does: ``<X>Name`` in the body →
  ``arn:aws:sagemaker:REGION:ACCOUNT:<x>/NAME`` (training-job, processing-job, transform-job, model).
* moto does not check ``iam:PassRole`` when a call passes a role (``RoleArn``). The harness checks
  it with moto's own policy evaluator, with ``iam:PassedToService = sagemaker.amazonaws.com``.

Both use moto's ``IAMPolicy`` evaluation unchanged; only the inputs AWS would give it are added.
"""

from __future__ import annotations

import json
import os
import re
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = sys.argv[1] if len(sys.argv) > 1 else "3"

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicy, IAMRequest, PermissionResult
from moto.sagemaker.responses import SageMakerResponse
from moto.server import ThreadedMotoServer

_NAMED = re.compile(r"^(TrainingJob|ProcessingJob|TransformJob|Model)Name$")


def _body(response: SageMakerResponse) -> dict:
    try:
        data = json.loads(response.body or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _determine_resource(self: SageMakerResponse) -> str:
    for member, value in _body(self).items():
        match = _NAMED.match(member)
        if match and isinstance(value, str):
            kind = re.sub(r"(?<!^)([A-Z])", r"-\1", match.group(1)).lower()
            return f"arn:aws:sagemaker:{self.region}:{self.current_account}:{kind}/{value}"
    return "*"


_original = SageMakerResponse._authenticate_and_authorize_normal_action


def _authorize_with_pass_role(self: SageMakerResponse, resource: str = "*") -> None:
    enforcing = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    _original(self, resource)
    role = _body(self).get("RoleArn")
    if not enforcing or not isinstance(role, str):
        return
    request = IAMRequest(
        account_id=self.current_account,
        method=self.method,
        path=self.raw_path,
        data=self.data,
        body=self.raw_body,
        headers=self.headers,
        action=self._get_action(),
    )
    request._action = "iam:PassRole"  # the denial message names the action that was refused
    permitted = False
    for policy in request._access_key.collect_policies():
        result = IAMPolicy(policy).is_action_permitted(
            "iam:PassRole", role, None, {"iam:PassedToService": "sagemaker.amazonaws.com"}
        )
        if result == PermissionResult.DENIED:
            request._raise_access_denied()
        permitted = permitted or result == PermissionResult.PERMITTED
    if not permitted:
        request._raise_access_denied()


SageMakerResponse._determine_resource = _determine_resource  # type: ignore[attr-defined]
SageMakerResponse._authenticate_and_authorize_normal_action = _authorize_with_pass_role  # type: ignore[method-assign]

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("PORT", server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
