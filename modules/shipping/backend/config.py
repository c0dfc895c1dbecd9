"""Settings of the shipping service: the kit's ServiceSettings under the SHIPPING_ prefix."""

from pydantic_settings import SettingsConfigDict

from service_kit.messaging.settings import EventSettings
from service_kit.settings import ServiceSettings


class Settings(EventSettings, ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHIPPING_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service_name: str = "shipping"
