"""Settings of the inventory service: the kit's ServiceSettings under the INVENTORY_ prefix."""

from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="INVENTORY_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service_name: str = "inventory"
