"""ServiceKeys: real Ed25519 keys for the services and callers of a test, and the JWKS that trusts them.

    KEYS = ServiceKeys.temporary()
    settings = Settings(**KEYS.settings("orders"))                 # orders signs and verifies
    client.post(url, headers=KEYS.headers("shipping", "orders"))   # a call from shipping
"""

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TypedDict

from pydantic import SecretStr

from service_kit.auth import mint_token
from service_kit.identity import SigningKey, signing_key_variable


class IdentityFields(TypedDict):
    """A service's identity as ServiceSettings fields: `Settings(**keys.settings(name))` type-checks."""

    signing_key: SecretStr
    jwks_file: Path


class ServiceKeys:
    """A key per name, made on first use (or up front: `services`) and published at once in
    `jwks_file`, which a service rereads when it meets a key id it does not know."""

    def __init__(self, directory: Path, *services: str) -> None:
        self.jwks_file = directory / "jwks.json"
        self._keys: dict[str, SigningKey] = {}
        self._published: dict[str, dict[str, str]] = {}
        self._publish()
        for service in services:
            self.key(service)

    @classmethod
    def temporary(cls, *services: str) -> "ServiceKeys":
        """Keys in a directory removed when the test process exits (for module-level constants)."""
        directory = tempfile.mkdtemp(prefix="service-keys-")
        atexit.register(shutil.rmtree, directory, True)
        return cls(Path(directory), *services)

    def key(self, service: str) -> SigningKey:
        if service not in self._keys:
            self._keys[service] = SigningKey.generate(service)
            self._published[self._keys[service].kid] = self._keys[service].public_jwk()
            self._publish()
        return self._keys[service]

    def rotate(self, service: str, *, keep_old: bool = False) -> SigningKey:
        """A new key for `service`; its old public key stays published only with `keep_old`."""
        old = self._keys.pop(service, None)
        if old is not None and not keep_old:
            del self._published[old.kid]
        return self.key(service)

    def token(self, caller: str, audience: str, **options: object) -> str:
        """`options` as for service_kit.auth.mint_token (ttl_seconds, dev, issued_at)."""
        return mint_token(self.key(caller), audience=audience, **options)  # type: ignore[arg-type]

    def headers(self, caller: str, audience: str, **options: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(caller, audience, **options)}"}

    def settings(self, service: str) -> IdentityFields:
        """ServiceSettings fields for `service` signing with its key and trusting every key here."""
        return {"signing_key": SecretStr(self.key(service).private_pem()), "jwks_file": self.jwks_file}

    def env(self, service: str) -> dict[str, str]:
        """The same as environment variables, for a service run as a process."""
        return {
            signing_key_variable(service): self.key(service).private_pem(),
            "SERVICE_JWKS_FILE": str(self.jwks_file),
        }

    def _publish(self) -> None:
        partial = self.jwks_file.with_name(".jwks.json.partial")
        partial.write_text(json.dumps({"keys": list(self._published.values())}))
        os.replace(partial, self.jwks_file)
