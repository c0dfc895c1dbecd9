"""Service discovery: the private DNS name each module's service registers under, and its URL.

Cloud Map with DNS, not ECS Service Connect: a task's A record is its own ENI address, so the
security groups the platform draws from the manifests' `uses` apply to the caller's task directly,
and no Envoy sidecar is added to every task (memory, CPU and a second container per module). What
Service Connect would add, retries and outlier detection, ServiceClient already does for idempotent
calls. Cost at 100 modules: one namespace, one Cloud Map service per module, one ingress rule per
declared use.
"""

# Every module's PEX serves on this port: the load balancer's target groups and the peers use it.
CONTAINER_PORT = 8000
# A short TTL: a replaced task's address leaves callers' caches within seconds.
DNS_TTL_SECONDS = 10


def namespace_name(env: str) -> str:
    """The private DNS namespace of one environment, resolvable inside its VPC only."""
    return f"{env}.pantstack.internal"


def service_url(module: str, namespace: str) -> str:
    """Where a module's service answers its peers: http://orders.prod.pantstack.internal:8000."""
    return f"http://{module}.{namespace}:{CONTAINER_PORT}"
