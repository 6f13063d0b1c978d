"""Consent, on the mapping step, to what the package needs made before records can go there (the
service items some packages sell invoice lines through, say): the page offers each as an action, and
the answer is kept on the connection until withdrawn."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.errors import ConfigurationError
from ledgerlink.services.onboarding.nominals import MappingRefused, Nominals
from ledgerlink.web.deps import Context, CurrentVisitor, current_connection, redirect
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.post("/wizard/nominals/consent")
def give_consent(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    name: Annotated[str, Form()] = "",
    withdraw: Annotated[str, Form()] = "",
) -> Response:
    connection = current_connection(context, visitor.company_id)
    if connection is None:
        raise ConfigurationError("connect to a package first")
    try:
        item = Nominals(context.store, connection).give_consent(name, given=not withdraw)
    except MappingRefused as error:
        return redirect("/wizard/nominals", flash=f"Not changed: {error}", request=request)
    action = item.consent.action[:1].lower() + item.consent.action[1:]
    message = (
        f"Allowed: ledgerlink will {action} as sending needs them."
        if item.given
        else "Withdrawn: ledgerlink makes nothing more; records needing it are refused with the reason."
    )
    return redirect("/wizard/nominals", flash=message, request=request)
