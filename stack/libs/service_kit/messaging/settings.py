"""EventSettings: what a module that publishes or subscribes reads; its Settings adds it as a base.

    class Settings(EventSettings, ServiceSettings): ...

EVENTS_BROKER_URL (no module prefix: every module shares the broker) picks the transport; the
tuning knobs carry the module's prefix (e.g. SHIPPING_EVENTS_MAX_ATTEMPTS).
"""

import sys

from pydantic import Field
from pydantic_settings import BaseSettings

from service_kit.messaging.transport import BrokerURLInvalid, check_broker_url


class EventSettings(BaseSettings):
    # Unset: the embedded transport (consumers read the producers' HTTP feed), local development only.
    events_broker_url: str | None = Field(default=None, validation_alias="EVENTS_BROKER_URL")
    events_max_attempts: int = Field(default=5, ge=1)
    events_retry_base_seconds: float = Field(default=0.5, gt=0)
    events_retry_max_seconds: float = Field(default=60.0, gt=0)
    # How often an idle relay, inbox or feed reader looks again (a commit or arrival wakes them at once).
    events_poll_seconds: float = Field(default=1.0, gt=0)
    # How long sent outbox rows are kept: the embedded feed serves them until then.
    events_outbox_retention_seconds: float = Field(default=7 * 24 * 3600, gt=0)

    def broker_url(self) -> str | None:
        """The Redis URL, or None for the embedded feed."""
        return check_broker_url(self.events_broker_url, getattr(self, "environment", "local"))


def require_broker(settings: EventSettings) -> None:
    """At app creation, before serving: a missing or invalid EVENTS_BROKER_URL on one line of stderr
    and exit status 2, as require_peer_urls does for facade URLs. Beside ServiceSettings,
    `environment` is PANTSTACK_ENVIRONMENT: no silent embedded feed when deployed. `--migrate`
    creates no app, so the one-off migration task needs only its database."""
    try:
        settings.broker_url()
    except BrokerURLInvalid as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
