"""`POST /api/v1/package-webhooks/{package}`: where a package posts its change notices.

Answered at once (a package may want its answer within seconds), with no body. Where workers run, the
reads the notice prompts are on their queue already; on SQLite they run here after the answer has gone.
"""

from fastapi import APIRouter, BackgroundTasks, Request, Response

from ledgerlink.services.inbound.package_webhooks import receive_notice
from ledgerlink.services.inbound.run import read_apply_and_deliver
from ledgerlink.web.deps import Context

router = APIRouter()


@router.post("/package-webhooks/{package}", include_in_schema=False)
async def package_notice(
    package: str, request: Request, context: Context, later: BackgroundTasks
) -> Response:
    body = await request.body()
    answer = receive_notice(context.store, package, body, dict(request.headers))
    for connection in answer.to_read:
        later.add_task(read_apply_and_deliver, context.connectors, connection)
    return Response(status_code=answer.status)
