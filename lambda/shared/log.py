"""The one Powertools Logger (JSON; level from LOG_LEVEL, service from POWERTOOLS_SERVICE_NAME)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

# The service name comes from POWERTOOLS_SERVICE_NAME (template.yaml Globals).
logger = Logger()
