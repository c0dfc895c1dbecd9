"""Container HEALTHCHECK: exit 0 when this container's service answers 200 on /health, else 1."""

import os
import sys
import urllib.request


def main() -> int:
    # Images set PORT (stack/docker/Dockerfile); load_settings gives it to the service the same way.
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
