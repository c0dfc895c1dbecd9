"""The Pantstack service kit: one factory that gives every module production behaviour.

`create_service_app` wires health/readiness, JSON logs with request ids, Prometheus metrics,
problem+json errors, service-to-service auth, rate limits and API docs that need no network;
`run_service` serves it with graceful shutdown; `ServiceSettings` is the settings base;
`ServiceClient` the facade base.
"""
