"""Acting as the person at a sandbox's consent page: sign in, pick a business, approve.

The demo and the end-to-end tests go through the same page a person would, over HTTP; this reads the
form the page serves (whatever fields it carries) and submits it, and answers where it redirects.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from ledgerlink.errors import LedgerlinkError


class ConsentNotGiven(LedgerlinkError):
    """The consent page could not be answered as asked (no such business, or it refused): said in
    words a person can act on, as ledgerlink's own errors are."""


class _ConsentForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.businesses: list[str] = []
        self._label_value: str | None = None
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = found.get("action", "")
        if tag == "input" and found.get("type") == "hidden":
            self.hidden[found.get("name", "")] = found.get("value", "")
        if tag == "input" and found.get("name") == "business":
            self.businesses.append(found.get("value", ""))
            self._label_value = found.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._label_value is not None and data.strip():
            self.labels[self._label_value] = data.strip()
            self._label_value = None


async def approve(
    client: httpx.AsyncClient, authorize_url: str, *, business: str = "", user: str = "Demo bookkeeper"
) -> str:
    """Approve access on the consent page; answers the callback address the page redirects to."""
    page = await client.get(authorize_url)
    page.raise_for_status()
    form = _ConsentForm()
    form.feed(page.text)
    if not form.businesses:
        raise ConsentNotGiven("the consent page offers no business to choose")
    chosen = form.businesses[0]
    if business:
        matches = [bid for bid in form.businesses if business in (bid, form.labels.get(bid, ""))]
        if not matches:
            offered = ", ".join(repr(form.labels.get(bid, bid)) for bid in form.businesses)
            raise ConsentNotGiven(f"the consent page does not offer {business!r}: it offers {offered}")
        chosen = matches[0]
    data = {**form.hidden, "business": chosen, "user": user, "decision": "allow"}
    reply = await client.post(urljoin(str(page.url), form.action), data=data, follow_redirects=False)
    if reply.status_code not in (302, 303):
        raise ConsentNotGiven(f"the consent page refused: {reply.status_code} {reply.text[:200]}")
    return reply.headers["location"]
