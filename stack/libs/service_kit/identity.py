"""Service identity: each service's Ed25519 signing key, and the key ring of public keys verifiers trust.

A key's id (`kid`) is `<service>:<fingerprint>`, the fingerprint being the start of its RFC 7638
JWK thumbprint, so a verifier can tell whose key signed a token before checking the signature.
The ring is a JWKS file (`{"keys": [...]}`) of public keys only; it is reread when it changes.
"""

import asyncio
import base64
import hashlib
import json
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from service_kit.periodic import periodic

logger = logging.getLogger(__name__)
FINGERPRINT_CHARS = 16


class IdentityError(ValueError):
    """A key or key ring that cannot be used; the message names it and says how to fix it."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(service: str, public_key: Ed25519PublicKey) -> str:
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public(public_key))}, separators=(",", ":")
    )
    return f"{service}:{_b64url(hashlib.sha256(canonical.encode()).digest())[:FINGERPRINT_CHARS]}"


def service_of(kid: str) -> str:
    return kid.partition(":")[0]


def signing_key_variable(service: str) -> str:
    """Where a service finds its private key: this variable, or a file of that name in SECRETS_DIR."""
    return f"{service.upper().replace('-', '_')}_SIGNING_KEY"


@dataclass(frozen=True)
class SigningKey:
    """One service's private key; tokens it signs name `service` as their subject."""

    service: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, service: str) -> "SigningKey":
        return cls(service, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, service: str, pem: str, *, source: str) -> "SigningKey":
        """`source` names where the PEM came from (a variable or file) for the error message."""
        try:
            private_key = serialization.load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise IdentityError(
                f"{source} is not an unencrypted PEM private key; generate one with "
                "`python -m service_kit.keys --dir .data/keys <service>` (make dev and make up do)"
            ) from None
        if not isinstance(private_key, Ed25519PrivateKey):
            raise IdentityError(
                f"{source} is not an Ed25519 key; service tokens are signed with Ed25519 (EdDSA)"
            )
        return cls(service, private_key)

    @property
    def kid(self) -> str:
        return key_id(self.service, self.private_key.public_key())

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_jwk(self) -> dict[str, str]:
        raw = _raw_public(self.private_key.public_key())
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


def public_keys_from_jwks(document: object, *, source: str) -> dict[str, Ed25519PublicKey]:
    """kid -> public key for every Ed25519 key in a JWKS document; anything else is an error."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise IdentityError(f'{source} is not a JWKS document: expected {{"keys": [...]}}')
    keys: dict[str, Ed25519PublicKey] = {}
    for index, jwk in enumerate(document["keys"]):
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise IdentityError(f"{source}: key {index} is not an Ed25519 public key (kty OKP, crv Ed25519)")
        kid, x = jwk.get("kid"), jwk.get("x")
        if not isinstance(kid, str) or ":" not in kid or not isinstance(x, str):
            raise IdentityError(f'{source}: key {index} needs "kid" ("<service>:<fingerprint>") and "x"')
        try:
            public_key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
        except ValueError:
            raise IdentityError(f'{source}: key {kid} has an invalid "x" (32 bytes, base64url)') from None
        if key_id(service_of(kid), public_key) != kid:
            raise IdentityError(f"{source}: key {kid}'s fingerprint does not match its public key")
        keys[kid] = public_key
    return keys


class KeyRing:
    """The public keys a verifier trusts, from a JWKS file; `reload_if_changed` rereads a rewritten file.

    A rewrite that cannot be read or parsed keeps the keys already loaded (and logs why), so a
    half-written or broken file never locks every caller out; `version` counts successful loads.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = 0
        self._stamp: tuple[int, int, int] | None = None
        self.keys = self._read()
        self.version = 1

    def get(self, kid: str) -> Ed25519PublicKey | None:
        return self.keys.get(kid)

    def reload_if_changed(self) -> bool:
        """Reread the file if its inode, size or mtime changed; True when new keys were loaded."""
        try:
            stamp = self._stat()
        except OSError as error:
            logger.error(
                "key ring %s unreadable (%s); keeping the %d keys loaded", self.path, error, len(self.keys)
            )
            return False
        if stamp == self._stamp:
            return False
        return self.reload()

    def reload(self) -> bool:
        try:
            keys = self._read()
        except IdentityError as error:
            logger.error("key ring not reloaded, keeping the %d keys loaded: %s", len(self.keys), error)
            return False
        self.keys = keys
        self.version += 1
        logger.info("key ring %s reloaded: %s", self.path, ", ".join(sorted(keys)) or "no keys")
        return True

    def _stat(self) -> tuple[int, int, int]:
        stat = os.stat(self.path)
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _read(self) -> dict[str, Ed25519PublicKey]:
        try:
            stamp = self._stat()
            text = self.path.read_text()
        except OSError as error:
            raise IdentityError(
                f"key ring {self.path} cannot be read ({error.strerror}); make dev and make up write it "
                "with `python -m service_kit.keys`"
            ) from None
        try:
            document = json.loads(text)
        except ValueError:
            raise IdentityError(f"key ring {self.path} is not valid JSON") from None
        keys = public_keys_from_jwks(document, source=f"key ring {self.path}")
        self._stamp = stamp
        return keys


@asynccontextmanager
async def reloading(ring: KeyRing | None, interval_seconds: float) -> AsyncIterator[None]:
    """While the block runs, reread `ring`'s file when it changes (every `interval_seconds`) and on SIGHUP."""
    if ring is None:
        yield
        return
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, ring.reload)
        on_signal = True
    except (ValueError, RuntimeError, NotImplementedError):
        on_signal = False  # not the main thread (e.g. a test client): the schedule alone reloads

    async def check() -> None:
        ring.reload_if_changed()

    try:
        async with periodic("key-ring-reload", interval_seconds, check):
            yield
    finally:
        if on_signal:
            loop.remove_signal_handler(signal.SIGHUP)
