"""Settings of the inventory service: the kit's ServiceSettings under the INVENTORY_ prefix."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="INVENTORY_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service_name: str = "inventory"
    # How long a reservation holds stock unless committed or released. 15 minutes: a checkout-length
    # hold, far above orders' reserve-then-store window (timeout x attempts, seconds), so only
    # abandoned holds expire (a crash between reserve and store, a reservation orders gave up on
    # while inventory was frozen), and stranded units come back within minutes, not never.
    reservation_ttl_seconds: float = Field(default=900, gt=0)
    # How often the reaper releases expired holds; reads and commits never wait for it.
    reservation_reap_interval_seconds: float = Field(default=10, gt=0)
