"""The `make run` stack: emulated AWS (moto), Stripe (localstripe), API Gateway and the SQS poller."""
