"""botocore's model of AWS, read for the HTTP layer: which hosts are AWS, which operation a call is.

It sits below :mod:`arazzo_runner.http` (which signs, writes and reads AWS calls with it) and above
:mod:`arazzo_runner.expressions` only: it knows nothing of documents, runs or sending.

* :mod:`.endpoints` — is a host an AWS endpoint, of which service, signing name and region
  (botocore's endpoint data and service models);
* :mod:`.protocols` — a step's call as a botocore operation, serialised by botocore's serialisers
  for every protocol (json, rest-json, rest-xml, query, ec2);
* :mod:`.answer_views` — an answer read by botocore's parser into the output shape's JSON view.

Each module imports botocore only when it is asked something, so ``arazzo --help`` stays fast.
"""
