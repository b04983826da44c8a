"""The shared HTTP front of every webhook function: size, auth, parse, handle, respond.

Each function's app.py only names its routes and adapters; this module turns
client mistakes into 4xx with a message and lets our own faults surface as 5xx,
which the platform retries (and the event marker makes that retry safe).
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import config, cors, pipeline, settings
from touchpoint.errors import Ignored, SourceError, TooLarge
from touchpoint.playbook import loading
from touchpoint.playbook.model import PlaybookError
from touchpoint.sources import Request

logger = Logger(child=True)
Verify = Callable[[Request], None]
Normalize = Callable[[Request, str], list[Any]]
Handle = Callable[[Any], Any]
Respond = Callable[[list[Any]], dict[str, Any]]
Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body, default=str)
    )


def _request(app: APIGatewayHttpResolver) -> Request:
    event = app.current_event
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return Request(headers=headers, body=raw, path=event.path)


def default_response(outcomes: list[Any]) -> dict[str, Any]:
    summaries = [o.summary() for o in outcomes]
    if len(summaries) == 1:
        return {"accepted": True, **summaries[0]}
    return {"accepted": True, "duplicate": all(s["duplicate"] for s in summaries), "results": summaries}


def webhook_handler(
    routes: dict[str, tuple[Verify, Normalize, str]],
    respond: Respond = default_response,
    handle: Handle = pipeline.handle,
    browser: bool = False,
) -> Handler:
    """The whole Lambda handler of a webhook function: its routes (path -> verify, normalize,
    resource), the resolver, and the Powertools Logger (with the API request id as correlation
    id) and Metrics around it. The playbook and the settings (touchpoint/settings.py) are
    validated here, at cold start: an invalid one stops the function with its problems logged,
    instead of a 500 on every webhook. `browser`:
    the routes are called from shop pages, so CORS applies (touchpoint/cors.py)."""
    logger, metrics = Logger(), Metrics()
    try:
        loading.current_playbook()
    except PlaybookError as exc:
        logger.error("invalid playbook, refusing to start", extra={"problems": exc.problems})
        raise
    problems = settings.problems(settings.WEBHOOKS)
    if problems:
        logger.error("invalid configuration, refusing to start", extra={"problems": problems})
        raise settings.SettingsError("invalid configuration: " + "; ".join(problems))
    app = webhook_app(routes, metrics, respond, handle)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if browser:
            return _cross_origin(event, lambda: app.resolve(event, context))
        return app.resolve(event, context)

    return lambda_handler


def _cross_origin(event: dict[str, Any], resolve: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Preflight answered here; a call from a page of another site refused before anything is
    read or stored; an allowed page's answer carries its grant."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin", "")
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if method == "OPTIONS":
        status, granted = cors.preflight(origin, headers.get("access-control-request-method", ""))
        return {"statusCode": status, "headers": granted, "body": ""}
    if origin and not cors.allowed(origin):
        logger.info("rejected", extra={"status": 403, "reason": "origin not allowed"})
        body = {"error": "this page's origin is not in ALLOWED_ORIGINS"}
        return {"statusCode": 403, "headers": _JSON_HEADERS | cors.grant(origin), "body": json.dumps(body)}
    answer = resolve()
    answer["headers"] = {**(answer.get("headers") or {}), **cors.grant(origin)}
    return answer


_JSON_HEADERS = {"Content-Type": content_types.APPLICATION_JSON}


def webhook_app(
    routes: dict[str, tuple[Verify, Normalize, str]],
    metrics: Metrics,
    respond: Respond = default_response,
    handle: Handle = pipeline.handle,
) -> APIGatewayHttpResolver:
    """routes: path -> (verify, normalize, resource name); `handle` applies one normalized change
    (an event through the pipeline, a product into the catalog) and returns its outcome."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(SourceError)
    def _client_error(exc: SourceError) -> Response:
        logger.info("rejected", extra={"status": exc.status, "reason": str(exc)})
        metrics.add_metric(name=f"Rejected{exc.status}", unit=MetricUnit.Count, value=1)
        return _json(exc.status, {"error": str(exc)})

    @app.exception_handler(Ignored)
    def _ignored(exc: Ignored) -> Response:
        metrics.add_metric(name="Ignored", unit=MetricUnit.Count, value=1)
        return _json(202, {"accepted": True, "ignored": True, "reason": exc.reason})

    @app.not_found
    def _not_found(exc: Exception) -> Response:
        return _json(404, {"error": "no such route"})

    for path, (verify, normalize, resource) in routes.items():
        app.post(path)(_view(app, verify, normalize, resource, Wiring(metrics, respond, handle)))
    return app


@dataclass(frozen=True)
class Wiring:
    metrics: Metrics
    respond: Respond
    handle: Handle


def _view(
    app: APIGatewayHttpResolver, verify: Verify, normalize: Normalize, resource: str, wiring: Wiring
) -> Callable[[], Response]:
    metrics = wiring.metrics

    def view() -> Response:
        request = _request(app)
        if len(request.body) > config.MAX_BODY_BYTES:
            raise TooLarge(f"body is {len(request.body)} bytes; the limit is {config.MAX_BODY_BYTES}")
        verify(request)
        events = normalize(request, resource)
        if not events:
            raise Ignored("nothing in this delivery is acted on")
        outcomes = [wiring.handle(event) for event in events]
        metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=len(outcomes))
        metrics.add_metric(
            name="Duplicates", unit=MetricUnit.Count, value=sum(1 for o in outcomes if o.duplicate)
        )
        decided = Counter(d.action.value for o in outcomes for d in getattr(o, "decisions", ()))
        for action in ("schedule", "suppress", "cancel"):
            metrics.add_metric(name=f"Decisions_{action}", unit=MetricUnit.Count, value=decided[action])
        return _json(200, wiring.respond(outcomes))

    return view
