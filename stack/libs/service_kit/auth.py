"""Service-to-service auth: short-lived HS256 JWTs naming the calling module (sub) and the callee (aud).

Write requests (POST/PUT/PATCH/DELETE) need `Authorization: Bearer <token>`; reads too when a module
sets <PREFIX>AUTH_PROTECT_READS=true. Missing, malformed or expired tokens → 401; a token minted
for another service (wrong audience) → 403.

    python -m service_kit.auth --caller cli --audience orders   # prints a token (SERVICE_AUTH_SECRET)
"""

import argparse
import os
import sys
import time

import jwt
from fastapi import HTTPException, Request

ALGORITHM = "HS256"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_TTL_SECONDS = 300
# Verified tokens remembered per guard; callers reuse one token for minutes, so few are live at once.
MAX_REMEMBERED_TOKENS = 1024


def mint_token(secret: str, *, caller: str, audience: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    now = int(time.time())
    claims = {"sub": caller, "aud": audience, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class AuthGuard:
    """A FastAPI dependency the kit puts on every module router."""

    def __init__(self, *, secret: str | None, audience: str, enabled: bool, protect_reads: bool) -> None:
        self.secret = secret
        self.audience = audience
        self.enabled = enabled
        self.protect_reads = protect_reads
        # token -> (caller, expiry). A client sends the same token for minutes (ServiceClient
        # caches it), and checking its signature and claims is the kit's costliest step per
        # write, so a token verified once is trusted until it expires. Keyed by the whole token,
        # signature included, so a changed token is always verified afresh.
        self._verified: dict[str, tuple[str, float]] = {}

    async def __call__(self, request: Request) -> str | None:
        if not self.enabled or (request.method in READ_METHODS and not self.protect_reads):
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized(
                "Missing bearer token: send `Authorization: Bearer <JWT>` minted for this service."
            )
        remembered = self._verified.get(token)
        if remembered is not None and time.time() < remembered[1]:
            request.state.caller = remembered[0]
            return remembered[0]
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                options={"require": ["exp", "sub"]},
            )
        except jwt.InvalidAudienceError:
            raise HTTPException(403, f"Token was not minted for {self.audience}.") from None
        except jwt.ExpiredSignatureError:
            raise _unauthorized("Token has expired; mint a new one.") from None
        except jwt.InvalidTokenError as exc:
            raise _unauthorized(f"Invalid token: {exc}.") from None
        caller = str(claims["sub"])
        self._remember(token, caller, float(claims["exp"]))
        request.state.caller = caller
        return caller

    def _remember(self, token: str, caller: str, expiry: float) -> None:
        if len(self._verified) >= MAX_REMEMBERED_TOKENS:
            now = time.time()
            self._verified = {t: entry for t, entry in self._verified.items() if entry[1] > now}
            if len(self._verified) >= MAX_REMEMBERED_TOKENS:
                del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (caller, expiry)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mint a service token signed with SERVICE_AUTH_SECRET.")
    parser.add_argument("--caller", required=True, help="name of the calling module or tool")
    parser.add_argument("--audience", required=True, help="module the token is for, e.g. orders")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds")
    args = parser.parse_args(argv)
    secret = os.environ.get("SERVICE_AUTH_SECRET")
    if not secret:
        print("SERVICE_AUTH_SECRET is not set; export the secret the services use.", file=sys.stderr)
        return 2
    print(mint_token(secret, caller=args.caller, audience=args.audience, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
