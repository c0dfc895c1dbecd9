"""Settings of the shipping service: the kit's ServiceSettings under the SHIPPING_ prefix."""

from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHIPPING_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service_name: str = "shipping"
