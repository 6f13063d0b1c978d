"""How the Xero sandbox refuses, each in the shape Xero answers with (rendered by `responses`).

- `Invalid`: one element of a batch broke a rule; it carries Xero's messages and the batch goes on
  (`ValidationErrors` on the element, or the summarised ValidationException).
- `BodyInvalid`: the body could not be read as Xero reads it (PostDataInvalidException, ErrorNumber 14).
- `BadFilter`: a `where` expression Xero would refuse (a ValidationException).
- `Refused`: the request was turned away before any handler ran (Xero's problem shape: Title, Status,
  Detail), with the headers that go with it.
- A `KeyError` from a handler is Xero's 404: the record asked for does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping


class Invalid(Exception):
    """Xero's ValidationException for one element: its messages, in Xero's words."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class BodyInvalid(Exception):
    """The body could not be read as Xero reads it: Xero's PostDataInvalidException (ErrorNumber 14)."""


class BadFilter(ValueError):
    """A `where` the sandbox cannot read; answered as Xero answers a bad filter (400)."""


class Refused(Exception):
    """A request turned away as Xero turns it away: its status, problem title and detail."""

    def __init__(
        self, status: int, title: str, detail: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
