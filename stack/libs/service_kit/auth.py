"""Service-to-service auth: short-lived EdDSA JWTs each service signs with its own key.

A token names its signer (`sub`, which must be the service in its key id `kid`) and the callee
(`aud`), and lives at most 15 minutes. Verifiers hold only public keys (service_kit.identity's
KeyRing), so a compromised service can sign as nobody but itself. Write requests
(POST/PUT/PATCH/DELETE) need `Authorization: Bearer <token>`; reads too when a module sets
<PREFIX>AUTH_PROTECT_READS=true; a route can accept only some callers with `callers(...)`.
Missing, malformed, expired, over-long or untrusted tokens → 401; a token for another service or
from a caller the route does not accept → 403.

Dev tokens (`dev` claim, up to 12 h, for curl) are accepted only where PANTSTACK_ENVIRONMENT is
`local`:

    python -m service_kit.auth --caller dev --key-file .data/keys/dev.pem --audience orders --dev --ttl 43200
"""

import argparse
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt
from fastapi import HTTPException, Request

from service_kit.identity import IdentityError, KeyRing, SigningKey, service_of, signing_key_variable

ALGORITHM = "EdDSA"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_TTL_SECONDS = 300
MAX_TTL_SECONDS = 15 * 60
MAX_DEV_TTL_SECONDS = 12 * 3600
# Clock skew tolerated between hosts, on expiry, issue time and lifetime alike.
LEEWAY_SECONDS = 30
DEV_CLAIM = "dev"
# Verified tokens remembered per guard; callers reuse one token for minutes, so few are live at once.
MAX_REMEMBERED_TOKENS = 1024


def mint_token(
    key: SigningKey,
    *,
    audience: str,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    dev: bool = False,
    issued_at: int | None = None,
) -> str:
    """A token `key.service` signs for `audience`; over 15 min only as a dev token (local only)."""
    limit = MAX_DEV_TTL_SECONDS if dev else MAX_TTL_SECONDS
    if not 0 < ttl_seconds <= limit:
        kind = "dev tokens" if dev else "service tokens (longer ones for curl: a dev token, --dev)"
        raise ValueError(f"ttl_seconds must be between 1 and {limit} for {kind}; got {ttl_seconds}")
    now = int(time.time()) if issued_at is None else issued_at
    claims: dict[str, object] = {"sub": key.service, "aud": audience, "iat": now, "exp": now + ttl_seconds}
    if dev:
        claims[DEV_CLAIM] = True
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


class AuthGuard:
    """A FastAPI dependency the kit puts on every module router; `callers` routes reuse it."""

    def __init__(
        self, *, keys: KeyRing | None, audience: str, enabled: bool, protect_reads: bool, environment: str
    ) -> None:
        if enabled and keys is None:
            raise ValueError("AuthGuard needs a key ring when auth is enabled")
        self.keys = keys
        self.audience = audience
        self.enabled = enabled
        self.protect_reads = protect_reads
        self.accepts_dev_tokens = environment == "local"
        # token -> (caller, expiry). A client sends the same token for minutes (ServiceClient
        # caches it), and checking its signature and claims is the kit's costliest step per
        # write, so a token verified once is trusted until it expires or the key ring changes.
        # Keyed by the whole token, signature included, so a changed token is always verified afresh.
        self._verified: dict[str, tuple[str, float]] = {}
        self._ring_version = keys.version if keys else 0

    async def __call__(self, request: Request) -> str | None:
        if not self.enabled or (request.method in READ_METHODS and not self.protect_reads):
            return None
        return self.authenticate(request)

    def authenticate(self, request: Request) -> str | None:
        """The verified caller of this request (None with auth off); raises 401/403 otherwise."""
        if not self.enabled:
            return None
        known = getattr(request.state, "caller", None)
        if known is not None:
            return str(known)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized(
                "Missing bearer token: send `Authorization: Bearer <JWT>` minted for this service."
            )
        caller = self.verify(token)
        request.state.caller = caller
        return caller

    def verify(self, token: str) -> str:
        assert self.keys is not None
        if self._ring_version != self.keys.version:
            # A removed key must stop working at once, tokens already verified with it included.
            self._verified.clear()
            self._ring_version = self.keys.version
        remembered = self._verified.get(token)
        if remembered is not None and time.time() < remembered[1]:
            return remembered[0]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise _unauthorized(f"Invalid token: {exc}.") from None
        if not isinstance(kid, str):
            raise _unauthorized("Token has no key id (kid); mint it with service_kit.auth.")
        public_key = self.keys.get(kid)
        if public_key is None and self.keys.reload_if_changed():
            # A caller's new key may be newer than the last scheduled reload: one stat() tells.
            self._verified.clear()
            self._ring_version = self.keys.version
            public_key = self.keys.get(kid)
        if public_key is None:
            raise _unauthorized(
                "Token is not signed by a key this service trusts; mint it with your current key."
            )
        try:
            claims = jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.InvalidAudienceError:
            raise HTTPException(403, f"Token was not minted for {self.audience}.") from None
        except jwt.ExpiredSignatureError:
            raise _unauthorized("Token has expired; mint a new one.") from None
        except jwt.InvalidTokenError as exc:
            raise _unauthorized(f"Invalid token: {exc}.") from None
        caller = str(claims["sub"])
        if service_of(kid) != caller:
            raise _unauthorized("Token's subject is not the service whose key signed it.")
        self._check_lifetime(claims)
        self._remember(token, caller, float(claims["exp"]))
        return caller

    def _check_lifetime(self, claims: dict[str, object]) -> None:
        lifetime = float(claims["exp"]) - float(claims["iat"])  # type: ignore[arg-type]
        if claims.get(DEV_CLAIM) is True:
            if not self.accepts_dev_tokens:
                raise _unauthorized(
                    "Dev tokens are accepted only in local development; mint a service token."
                )
            limit = MAX_DEV_TTL_SECONDS
        else:
            limit = MAX_TTL_SECONDS
        if lifetime > limit + LEEWAY_SECONDS:
            raise _unauthorized(f"Token lives longer than {limit} s; mint one with a shorter lifetime.")

    def _remember(self, token: str, caller: str, expiry: float) -> None:
        if len(self._verified) >= MAX_REMEMBERED_TOKENS:
            now = time.time()
            self._verified = {t: entry for t, entry in self._verified.items() if entry[1] > now}
            if len(self._verified) >= MAX_REMEMBERED_TOKENS:
                del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (caller, expiry)


def callers(*services: str) -> Callable[[Request], Awaitable[str | None]]:
    """A route dependency accepting only these services' tokens, reads included:
    `@router.post("", dependencies=[Depends(callers("orders"))])`. With auth off it accepts all."""
    accepted = frozenset(services)

    async def accepted_caller(request: Request) -> str | None:
        guard: AuthGuard = request.app.state.auth_guard
        caller = guard.authenticate(request)
        if caller is not None and caller not in accepted:
            raise HTTPException(403, "This route does not accept calls from this caller.")
        return caller

    return accepted_caller


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print a token per --audience, signed with the caller's key."
    )
    parser.add_argument("--caller", required=True, help="the service (or tool) whose key signs, e.g. orders")
    parser.add_argument(
        "--audience", required=True, action="append", help="callee, e.g. inventory; repeatable"
    )
    parser.add_argument("--key-file", type=Path, help="the caller's PEM key (default: $<CALLER>_SIGNING_KEY)")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds")
    parser.add_argument(
        "--dev", action="store_true", help=f"a dev token: up to {MAX_DEV_TTL_SECONDS} s, local only"
    )
    args = parser.parse_args(argv)
    variable = signing_key_variable(args.caller)
    try:
        if args.key_file:
            key = SigningKey.from_pem(args.caller, _read(args.key_file), source=str(args.key_file))
        elif os.environ.get(variable):
            key = SigningKey.from_pem(args.caller, os.environ[variable], source=variable)
        else:
            raise IdentityError(f"no key: pass --key-file or set {variable} to {args.caller}'s PEM key")
        tokens = [mint_token(key, audience=a, ttl_seconds=args.ttl, dev=args.dev) for a in args.audience]
    except (IdentityError, ValueError) as error:
        print(f"service_kit.auth: {error}", file=sys.stderr)
        return 2
    print("\n".join(tokens))
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise IdentityError(f"{path} cannot be read ({error.strerror})") from None


if __name__ == "__main__":
    raise SystemExit(main())
