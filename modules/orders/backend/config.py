"""Settings of the orders service: the kit's ServiceSettings under the ORDERS_ prefix."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from service_kit.messaging.settings import EventSettings
from service_kit.settings import ServiceSettings


class Settings(EventSettings, ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORDERS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service_name: str = "orders"
    # Bounds how long placing an order can wait on inventory: attempts x timeout (+ backoff).
    inventory_timeout_seconds: float = Field(default=2.0, gt=0)
    inventory_retries: int = Field(default=1, ge=0)
