"""GeoReport v2 endpoints: validate → one selector/service → serialize (XML or JSON by suffix)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.accounts.models import ApiClient
from backend.common.errors import RETRY_LATER_STATUSES, DomainError, ServiceUnavailable
from backend.common.unavailable import is_unavailable, retry_after
from backend.incidents.attributes import clean_attributes
from backend.incidents.models import Channel
from backend.incidents.selectors.public import (
    public_request,
    public_request_by_pk,
    public_request_list,
    public_updates,
)
from backend.incidents.selectors.reporter import active_categories
from backend.incidents.services.submit import incident_submit
from backend.units.models import Category

from . import inputs as p
from . import schema as sc
from . import serializers as s
from .auth import ApiKeyAuthentication, ApiKeyThrottle, HasApiKey
from .renderers import error_response, respond

TOKEN_SALT = "open311.token"
SPEC = "http://wiki.open311.org/GeoReport_v2"


class Open311View(APIView):
    """XML or JSON by the URL's suffix; refusals as the spec's list of {code, description}."""

    schema_anonymous_reads = True  # GET works without an api_key (backend.common.schema)
    schema_errors = (sc.ERRORS, [sc.JSON, sc.XML])  # backend.common.schema
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyThrottle]
    parser_classes = [FormParser, MultiPartParser]

    def fmt(self) -> str:
        return str(self.kwargs.get("fmt", "json"))

    def handle_exception(self, exc: Exception) -> Any:
        """Every failure as the spec's list of {code, description}."""
        fmt = self.fmt()
        if is_unavailable(exc):
            exc = ServiceUnavailable()
        if isinstance(exc, DomainError):
            status = 400 if exc.status_code == 422 else exc.status_code
            details = [f"{k}: {v}" for k, v in _flat(exc.details)]
            response = error_response(fmt, status, [str(exc.message), *details])
            if status in RETRY_LATER_STATUSES:
                response["Retry-After"] = retry_after()
            return response
        if isinstance(exc, Http404):
            return error_response(fmt, 404, [_("Không tìm thấy.")])
        if isinstance(exc, exceptions.ValidationError):
            return error_response(fmt, 400, [f"{k}: {v}" for k, v in _flat(exc.detail)])
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return error_response(fmt, 403, [str(exc.detail)])
        if isinstance(exc, exceptions.Throttled):
            response = error_response(fmt, 429, [_("Quá nhiều yêu cầu, vui lòng thử lại sau.")])
            wait = getattr(exc, "wait", None)
            if wait is not None:
                response["Retry-After"] = str(int(wait))
            return response
        if isinstance(exc, exceptions.APIException):
            return error_response(fmt, exc.status_code, [str(exc.detail)])
        raise exc


def _flat(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(detail, dict):
        out: list[tuple[str, str]] = []
        for key, value in detail.items():
            out += _flat(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        return [pair for item in detail for pair in _flat(item, prefix)]
    return [(prefix or "request", str(detail))]


def token_for(incident_pk: int) -> str:
    return signing.dumps(incident_pk, salt=TOKEN_SALT, compress=True)


class DiscoveryView(Open311View):
    @extend_schema(
        summary="Open311: discovery",
        parameters=[sc.FORMAT],
        responses=sc.both(sc.DiscoveryOut),
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        base = request.build_absolute_uri("/open311/v2/")
        body = {
            "changeset": settings.OPEN311_CHANGESET,
            "contact": settings.OPEN311_CONTACT,
            "key_service": settings.OPEN311_KEY_SERVICE,
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": settings.OPEN311_CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return respond(fmt, "discovery", None, body)


class ServiceListView(Open311View):
    @extend_schema(
        summary="Open311: services — our categories",
        parameters=[sc.FORMAT],
        responses=sc.both(sc.ServiceOut(many=True)),
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        rows = [s.service(c) for c in active_categories()]
        return respond(fmt, "services", "service", rows)


class ServiceDefinitionView(Open311View):
    @extend_schema(
        summary="Open311: one service's definition (attributes)",
        parameters=[sc.FORMAT],
        responses=sc.both(sc.ServiceDefinitionOut),
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str, code: str) -> HttpResponse:
        category = active_categories().filter(code=code).first()
        if category is None:
            raise Http404
        return respond(fmt, "service_definition", None, s.service_definition(category))


class RequestListView(Open311View):
    @extend_schema(
        summary="Open311: public requests, newest first",
        responses=sc.both(sc.ServiceRequestOut(many=True)),
        parameters=sc.REQUEST_FILTERS,
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        params = request.query_params
        filters = p.request_filters(params)
        page = p.page_from(params)
        extended = p.is_true(params, "extensions")
        start, stop = page.bounds
        rows = public_request_list(filters=filters, history=extended)[start:stop]
        body = [s.service_request(i, request, extended=extended) for i in rows]
        return respond(fmt, "service_requests", "request", body)

    @extend_schema(
        summary="Open311: file a request (api_key required)",
        parameters=[sc.FORMAT],
        responses={
            (201, sc.JSON): sc.CreatedOut(many=True),
            (201, sc.XML): sc.CreatedOut(many=True),
        },
        request={
            "multipart/form-data": sc.RequestFormIn,
            "application/x-www-form-urlencoded": sc.RequestFormIn,
        },
        tags=["open311"],
    )
    def post(self, request: Request, fmt: str) -> HttpResponse:
        data = p.RequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        category: Category = args["category"]
        attributes = clean_attributes(category.code, p.attribute_values(request.data))
        client = request.auth
        assert isinstance(client, ApiClient)  # HasApiKey
        result = incident_submit(
            reporter=client.user, channel=Channel.OPEN311, attributes=attributes, **args
        )
        body = [s.created(result.incident, token_for(result.incident.pk))]
        return respond(fmt, "service_requests", "request", body, status=201)


class RequestDetailView(Open311View):
    @extend_schema(
        summary="Open311: one request (a one-element list)",
        responses=sc.both(sc.ServiceRequestOut(many=True)),
        parameters=[sc.FORMAT, sc.API_KEY, sc.EXTENSIONS],
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str, request_id: str) -> HttpResponse:
        extended = p.is_true(request.query_params, "extensions")
        incident = public_request(reference=request_id, history=extended)
        if incident is None:
            raise Http404
        body = [s.service_request(incident, request, extended=extended)]
        return respond(fmt, "service_requests", "request", body)


class TokenView(Open311View):
    @extend_schema(
        summary="Open311: the request id of a token",
        responses=sc.both(sc.TokenOut(many=True)),
        parameters=[sc.FORMAT, sc.API_KEY],
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str, token: str) -> HttpResponse:
        try:
            pk = int(signing.loads(token, salt=TOKEN_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise Http404 from None
        incident = public_request_by_pk(pk=pk)
        if incident is None:
            raise Http404
        body = [{"service_request_id": incident.reference, "token": token}]
        return respond(fmt, "service_requests", "request", body)


class UpdateListView(Open311View):
    @extend_schema(
        summary="Open311 extension: the public history feed",
        responses=sc.both(sc.UpdateOut(many=True)),
        parameters=sc.UPDATE_FILTERS,
        tags=["open311"],
    )
    def get(self, request: Request, fmt: str) -> HttpResponse:
        start, end = p.update_window(request.query_params)
        page = p.page_from(request.query_params)
        first, stop = page.bounds
        rows = public_updates(after=start, before=end)[first:stop]
        body = [s.request_update(e) for e in rows]
        return respond(fmt, "service_requests_updates", "request_update", body)


@extend_schema(exclude=True)
class NotFoundView(Open311View):
    def fmt(self) -> str:
        return "xml" if self.request.path.endswith(".xml") else "json"

    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        raise Http404

    post = get
