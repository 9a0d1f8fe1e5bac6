"""The HTTP half of scripts/deploy-check: setup through the printed link, a second sign-in, a
page, and the bundle it links. Only the standard library: it runs before any virtualenv.
Usage: deploy_check.py SETUP_URL SITE_DIR"""

import http.client
import json
import pathlib
import re
import sys
import urllib.parse

PASSWORD = "deploy check password 1"


class Browser:
    """One client with its own cookies, as a browser without JavaScript would be."""

    def __init__(self, base):
        self.url = urllib.parse.urlsplit(base)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response, data

    def csrf(self):
        response, data = self.request("GET", "/api/session", headers={"Accept": "application/json"})
        expect(response.status == 200, f"GET /api/session answered {response.status}")
        return json.loads(data)["csrf_token"]

    def session_user(self):
        response, data = self.request("GET", "/api/session", headers={"Accept": "application/json"})
        user = json.loads(data).get("user")
        return user and user.get("username")

    def post_form(self, path, fields, referer):
        form = urllib.parse.urlencode([("_csrf", self.csrf())] + fields)
        return self.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "text/html,application/xhtml+xml",
                "Referer": f"{self.url.scheme}://{self.url.netloc}{referer}",
            },
        )


def expect(condition, message):
    if not condition:
        print(f"deploy-check: {message}", file=sys.stderr)
        sys.exit(1)


def main(setup_url, site_dir):
    parts = urllib.parse.urlsplit(setup_url)
    token = urllib.parse.parse_qs(parts.query)["token"][0]
    base = f"{parts.scheme}://{parts.netloc}"

    first = Browser(base)
    response, _ = first.request("GET", f"/setup?token={token}", headers={"Accept": "text/html"})
    expect(response.status == 200, f"the setup link answered {response.status}")
    response, _ = first.post_form(
        "/api/setup",
        [
            ("token", token),
            ("admin[username]", "operator"),
            ("admin[role]", "admin"),
            ("admin[password]", PASSWORD),
            ("admin[password_confirm]", PASSWORD),
        ],
        "/setup",
    )
    expect(response.status == 302, f"setup answered {response.status}, not a redirect")
    expect("__err" not in (response.getheader("Location") or ""), f"setup refused: {response.getheader('Location')}")
    expect(first.session_user() == "operator", "setup did not sign the new admin in")

    second = Browser(base)
    response, _ = second.post_form(
        "/api/login",
        [("username", "operator"), ("password", PASSWORD), ("next", "/")],
        "/login",
    )
    expect(response.status == 302, f"sign-in answered {response.status}, not a redirect")
    expect("__err" not in (response.getheader("Location") or ""), f"sign-in refused: {response.getheader('Location')}")
    expect(second.session_user() == "operator", "signing in did not sign in")

    response, page = second.request("GET", "/", headers={"Accept": "text/html"})
    expect(response.status == 200, f"the dashboard answered {response.status}")
    page = page.decode()
    expect("operator" in page, "the dashboard does not name the signed-in user")

    pkg = pathlib.Path(site_dir, "pkg")
    types = {"js": "text/javascript", "wasm": "application/wasm", "css": "text/css"}
    for extension, content_type in types.items():
        linked = re.search(rf"/pkg/trustdesk\.[0-9a-f]{{16}}\.{extension}\b", page)
        expect(linked, f"the dashboard links no fingerprinted .{extension}")
        path = linked.group(0)
        response, body = second.request("GET", path)
        expect(response.status == 200, f"{path} answered {response.status}")
        expect(response.getheader("Content-Type", "").startswith(content_type),
               f"{path} is {response.getheader('Content-Type')}, not {content_type}")
        expect(response.getheader("Cache-Control") == "public, max-age=31536000, immutable",
               f"{path} is cached as {response.getheader('Cache-Control')}")
        expect(body == (pkg / f"trustdesk.{extension}").read_bytes(),
               f"{path} differs from the site the binary was built with")
        gzip_copy = pkg / f"trustdesk.{extension}.gz"
        if gzip_copy.exists():
            response, body = second.request("GET", path, headers={"Accept-Encoding": "gzip"})
            expect(response.getheader("Content-Encoding") == "gzip", f"{path} came without gzip")
            expect(body == gzip_copy.read_bytes(), f"{path}'s gzip copy differs from the built one")
        print(f"deploy-check: {path}: {content_type}, {len(body)} bytes")

    response, _ = second.request("GET", "/favicon.svg")
    expect(response.status == 200, f"/favicon.svg answered {response.status}")
    etag = response.getheader("ETag")
    response, _ = second.request("GET", "/favicon.svg", headers={"If-None-Match": etag or ""})
    expect(response.status == 304, f"/favicon.svg revalidated with {response.status}, not 304")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
