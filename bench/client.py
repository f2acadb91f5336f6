"""Signing in over HTTP, and checking each endpoint answers before load is put on it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import requests

from . import USER_AGENT

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TIMEOUT = (5, 30)


@dataclass
class Endpoint:
    """One thing to measure: a request wrk repeats, and why it was skipped if it was."""

    key: str
    label: str
    path: str
    method: str = "GET"
    htmx: bool = False
    script: str = "get.lua"
    skip: str = ""
    notes: list[str] = field(default_factory=list)


class Browser:
    """A signed-in person: one requests session with the bench's user agent."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the login form (once: the form is rate limited)."""
        page = self.http.get(self.base + "/login", timeout=TIMEOUT)
        data = {"email": email, "password": password, "csrf_token": _csrf(page.text)}
        done = self.http.post(
            self.base + "/login", data=data, allow_redirects=False, timeout=TIMEOUT
        )
        if done.status_code != 303:
            raise RuntimeError(f"Signing in failed with HTTP {done.status_code}.")

    def csrf(self) -> str:
        """A CSRF token bound to this session (the home page's meta tag)."""
        return _csrf(self.http.get(self.base + "/", timeout=TIMEOUT).text)

    def headers(self) -> dict[str, str]:
        """Headers that replay this session statelessly: cookie, CSRF token, user agent."""
        token = self.csrf()  # also stores the CSRF secret in the session cookie
        cookies = "; ".join(
            f"{c.name}={c.value}" for c in self.http.cookies if c.name != "sandbox_session"
        )
        return {"Cookie": cookies, "X-CSRFToken": token, "User-Agent": USER_AGENT}


def _csrf(html: str) -> str:
    """The CSRF token from a page's meta tag."""
    match = CSRF_META.search(html)
    if match is None:
        raise RuntimeError("The page has no csrf-token meta tag.")
    return match.group(1)


def request_headers(endpoint: Endpoint, session_headers: dict[str, str]) -> dict[str, str]:
    """The headers wrk sends for ``endpoint``."""
    headers = dict(session_headers)
    if endpoint.htmx:
        headers["HX-Request"] = "true"
    return headers


def probe(base: str, endpoint: Endpoint, headers: dict[str, str], form: str = "") -> None:
    """Request ``endpoint`` a few times (warming both workers); set ``skip`` if it fails."""
    url = base + endpoint.path
    sent = request_headers(endpoint, headers)
    if endpoint.method == "POST":
        page = requests.get(url, headers=sent, allow_redirects=False, timeout=TIMEOUT)
        if page.status_code == 404:
            endpoint.skip = "not built yet (404)"
            return
        sent["Content-Type"] = "application/x-www-form-urlencoded"
        body = f"name=Bench+probe&country=US&{form}"
        answers = [
            requests.post(url, data=body, headers=sent, allow_redirects=False, timeout=TIMEOUT)
        ]
    else:
        answers = [
            requests.get(url, headers=sent, allow_redirects=False, timeout=TIMEOUT)
            for _ in range(4)
        ]
    last = answers[-1]
    location = last.headers.get("Location", "")
    if last.status_code == 404:
        endpoint.skip = "not built yet (404)"
    elif last.status_code >= 400:
        endpoint.skip = f"answers HTTP {last.status_code}"
    elif "/login" in location:
        endpoint.skip = "redirects to the login page (session lost)"
    elif endpoint.method == "GET" and last.is_redirect:
        endpoint.notes.append(f"answers {last.status_code} (a redirect)")
    if any("Set-Cookie" in a.headers for a in answers) and endpoint.method == "GET":
        endpoint.notes.append("rewrites the session cookie on every request")
