"""Local key material: a private key per service and the JWKS of their public keys, in one directory.

    python -m service_kit.keys --dir .data/keys inventory orders shipping dev   # make dev, make up
    python -m service_kit.keys --dir .data/keys --rotate orders                 # new key for orders
    python -m service_kit.keys --dir .data/keys --prune                         # drop retired keys

Layout: `<dir>/<service>.pem` (0600) and `<dir>/public/jwks.json` (public keys only, so the
`public/` directory alone is what verifiers mount). Idempotent: existing keys are kept. A rotated
service's old public key stays in the JWKS, so tokens it signed before restarting still verify,
until `--prune` leaves only the current keys. Verifiers reread the JWKS on their own (mtime, or
SIGHUP): rotating one service's key restarts only that service.

It lives in service_kit, not stack/tools, because it needs `cryptography`, which every module's
PEX carries: make dev and make up run it as `PEX_MODULE=service_kit.keys <any module>.pex`.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from service_kit.identity import IdentityError, SigningKey, public_keys_from_jwks

JWKS_NAME = "public/jwks.json"


def key_path(directory: Path, service: str) -> Path:
    return directory / f"{service}.pem"


def jwks_path(directory: Path) -> Path:
    return directory / JWKS_NAME


def ensure_keys(
    directory: Path, services: list[str], *, rotate: tuple[str, ...] = (), prune: bool = False
) -> list[str]:
    """Create missing keys (and new ones for `rotate`), then rewrite the JWKS; the services created."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    created = []
    for service in sorted(set(services) | set(rotate)):
        path = key_path(directory, service)
        if path.exists() and service not in rotate:
            continue
        _write(path, SigningKey.generate(service).private_pem(), mode=0o600)
        created.append(service)
    current = {key.kid: key.public_jwk() for key in _current_keys(directory)}
    published = {} if prune else _published(directory)
    document = {"keys": [jwk for _, jwk in sorted((published | current).items())]}
    jwks_path(directory).parent.mkdir(mode=0o755, exist_ok=True)
    _write(jwks_path(directory), json.dumps(document, indent=2) + "\n", mode=0o644)
    return created


def _current_keys(directory: Path) -> list[SigningKey]:
    return [
        SigningKey.from_pem(path.stem, path.read_text(), source=str(path))
        for path in sorted(directory.glob("*.pem"))
    ]


def _published(directory: Path) -> dict[str, dict[str, str]]:
    path = jwks_path(directory)
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text())
    except ValueError:
        raise IdentityError(f"{path} is not valid JSON; delete it and run again to rebuild it") from None
    public_keys_from_jwks(document, source=str(path))  # refuses anything but well-formed Ed25519 keys
    return {jwk["kid"]: jwk for jwk in document["keys"]}


def _write(path: Path, text: str, *, mode: int) -> None:
    """Atomically, so a verifier rereading the JWKS never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.chmod(partial, mode)
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create per-service signing keys and their JWKS.")
    parser.add_argument("services", nargs="*", help="services (and tools, e.g. dev) that need a key")
    parser.add_argument("--dir", type=Path, required=True, help="key directory, e.g. .data/keys")
    parser.add_argument(
        "--rotate", action="append", default=[], metavar="SERVICE", help="give SERVICE a new key"
    )
    parser.add_argument(
        "--prune", action="store_true", help="publish only the current keys (after a rotation)"
    )
    args = parser.parse_args(argv)
    try:
        created = ensure_keys(args.dir, args.services, rotate=tuple(args.rotate), prune=args.prune)
    except (IdentityError, OSError) as error:
        print(f"service_kit.keys: {error}", file=sys.stderr)
        return 2
    if created:
        print(f"service_kit.keys: new keys in {args.dir}: {', '.join(created)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
