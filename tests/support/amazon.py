"""Drive the Seller Central sandbox as a person would, over plain HTTP."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

SANDBOX_PASSWORD = "sandbox-pass"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_OTP = re.compile(r'id="sandbox-otp"[^>]*>(\d{6})<')
_FORM = re.compile(r'<form method="post" action="([^"]+)"')


def _post_form(http: requests.Session, page: requests.Response, data: dict, index: int = -1):
    """Submit the page's form (the last one by default) with its CSRF token."""
    actions = _FORM.findall(page.text)
    token = _CSRF.findall(page.text)[index]
    url = urljoin(page.url, actions[index].replace("&amp;", "&"))
    return http.post(url, data={"csrf_token": token, **data}, allow_redirects=False)


def _follow(http: requests.Session, response: requests.Response) -> requests.Response:
    """Follow redirects that stay inside the sandbox; stop at the app's callback."""
    while response.is_redirect:
        target = urljoin(response.url, response.headers["Location"])
        if "/sandbox/" not in urlsplit(target).path:
            return response
        response = http.get(target, allow_redirects=False)
    return response


def authorize(http: requests.Session, consent_url: str, email: str) -> str:
    """Sign in afresh, pass 2FA, consent and continue; return where Amazon redirects."""
    for cookie in list(http.cookies):
        if cookie.name == "sandbox_session":
            http.cookies.clear(cookie.domain, cookie.path, cookie.name)
    page = _follow(http, http.get(consent_url, allow_redirects=False))
    if "Email or mobile phone number" in page.text:
        page = _follow(http, _post_form(http, page, {"email": email, "password": SANDBOX_PASSWORD}))
    if "Enter OTP" in page.text:
        page = _follow(http, _post_form(http, page, {"otp": _OTP.search(page.text).group(1)}))
    assert "I understand" in page.text, page.text[:500]
    page = _follow(http, _post_form(http, page, {"acknowledge": "yes", "action": "next"}))
    assert "You are almost done" in page.text, page.text[:500]
    done = _post_form(http, page, {})
    assert done.status_code == 302, done.text[:500]
    return done.headers["Location"]


def callback_params(location: str) -> dict[str, str]:
    """The query parameters Amazon put on the redirect URI."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
