"""Container health check: exit 0 when gunicorn answers 200 on /healthz.

The slim image has no curl. The request carries SITE_URL's host, or Django would reject it
(ALLOWED_HOSTS), and, when the site is served over https behind a proxy, the header that
proxy sets, or SECURE_SSL_REDIRECT would answer with a redirect instead.
"""

import http.client
import os
import sys
from urllib.parse import urlsplit


def main() -> int:
    site = urlsplit(os.environ.get("SITE_URL", "http://127.0.0.1:8000"))
    headers = {"Host": site.netloc}
    if site.scheme == "https":
        headers["X-Forwarded-Proto"] = "https"
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", "/healthz", headers=headers)
        status = connection.getresponse().status
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"healthcheck: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
