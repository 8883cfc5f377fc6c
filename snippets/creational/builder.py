"""Builder: HTTP requests for a shop API, assembled step by step, checked, then frozen.

Run it with `python -m snippets.creational.builder`.
"""

# --8<-- [start:imports]
import json
import re
import shlex
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

# --8<-- [end:imports]


# --8<-- [start:checks]
class RequestError(ValueError):
    """A request, or one step of building it, is invalid."""


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")

Pairs = tuple[tuple[str, str], ...]


def check_header(name: str, value: str) -> tuple[str, str]:
    """Refuse a header that would corrupt the request, or smuggle in another one."""
    if not HEADER_NAME.fullmatch(name):
        raise RequestError(f"invalid header name {name!r}")
    if "\r" in value or "\n" in value:
        raise RequestError(f"the value of header {name!r} contains a line break")
    return name, value


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Encode a JSON object compactly; refuse what JSON cannot represent, NaN too."""
    try:
        text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RequestError(f"not a valid JSON body: {exc}") from exc
    return text.encode()


def url_with_query(url: str, query: Iterable[tuple[str, str]]) -> str:
    """Add URL-encoded query parameters after those of `url`, before its #fragment."""
    parts = urlsplit(url)
    encoded = "&".join(filter(None, [parts.query, urlencode(list(query))]))
    return urlunsplit(parts._replace(query=encoded))


# --8<-- [end:checks]


# --8<-- [start:product]
@dataclass(frozen=True)
class HttpRequest:
    """The product: an immutable HTTP request that checks itself when created."""

    method: str
    url: str
    headers: Pairs = ()
    body: bytes = b""
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise RequestError(
                f"unknown method {self.method!r}; use one of {', '.join(METHODS)}"
            )
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RequestError(f"the URL must be absolute http(s), got {self.url!r}")
        if self.body and self.method in ("GET", "HEAD"):
            raise RequestError(f"a {self.method} request cannot have a body")
        if not self.timeout > 0:  # also refuses NaN
            raise RequestError(f"the timeout must be positive, got {self.timeout}")
        for name, value in self.headers:
            check_header(name, value)
        if [name.lower() for name, _ in self.headers].count("content-type") > 1:
            raise RequestError("a request has at most one Content-Type header")

    def header(self, name: str) -> str | None:
        """The value of the header `name`, in any case, or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


# --8<-- [end:product]


# --8<-- [start:api]
API = "https://shop.example.com/api/v2"
# --8<-- [end:api]


# --8<-- [start:pythonic]
def json_request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    params: Mapping[str, str | int] | None = None,
    payload: Mapping[str, Any] | None = None,
    timeout: float = 10.0,
) -> HttpRequest:
    """One call with keyword arguments: the builder that most code never needs."""
    headers = [("Accept", "application/json")]
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    body = b""
    if payload is not None:
        headers.append(("Content-Type", "application/json"))
        body = json_body(payload)
    query = [(name, str(value)) for name, value in (params or {}).items()]
    url = url_with_query(url, query)
    return HttpRequest(method, url, tuple(headers), body, timeout)


# --8<-- [end:pythonic]


# --8<-- [start:builder]
ProductT = TypeVar("ProductT", covariant=True)


class RequestBuilder(ABC, Generic[ProductT]):
    """The builder: the steps of a request and their checks.

    Subclasses only decide what `build()` returns. `build()` resets the builder,
    so the next request starts from nothing.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every step taken so far."""
        self._method = "GET"
        self._url: str | None = None
        self._query: list[tuple[str, str]] = []
        self._headers: list[tuple[str, str]] = []
        self._body = b""
        self._timeout = 10.0

    def set_method(self, method: str) -> None:
        self._method = method.upper()

    def set_url(self, url: str) -> None:
        self._url = url

    def add_query(self, name: str, value: str | int) -> None:
        self._query.append((name, str(value)))

    def add_header(self, name: str, value: str) -> None:
        self._headers.append(check_header(name, value))

    def set_json(self, payload: Mapping[str, Any]) -> None:
        self._body = json_body(payload)
        self._headers = [h for h in self._headers if h[0].lower() != "content-type"]
        self.add_header("Content-Type", "application/json")

    def set_timeout(self, seconds: float) -> None:
        self._timeout = seconds

    def build(self) -> ProductT:
        """Check the steps together, make the product, and start afresh."""
        if self._url is None:
            raise RequestError("call set_url() before build()")
        request = HttpRequest(
            method=self._method,
            url=url_with_query(self._url, self._query),
            headers=tuple(self._headers),
            body=self._body,
            timeout=self._timeout,
        )
        self.reset()
        return self.make_product(request)

    @abstractmethod
    def make_product(self, request: HttpRequest) -> ProductT:
        """Turn the checked request into this builder's representation."""


# --8<-- [end:builder]


# --8<-- [start:concrete-builders]
class HttpRequestBuilder(RequestBuilder[HttpRequest]):
    """Builds the `HttpRequest` itself, ready to be sent."""

    def make_product(self, request: HttpRequest) -> HttpRequest:
        return request


class CurlCommandBuilder(RequestBuilder[str]):
    """Builds the same request as a curl command; the shell supplies the token."""

    def make_product(self, request: HttpRequest) -> str:
        options = [f"curl --request {request.method} --max-time {request.timeout:g}"]
        for name, value in request.headers:
            if name.lower() == "authorization":  # the shell fills in the secret
                scheme, space, _ = value.partition(" ")
                shown = f"{scheme} " if space and scheme.isalnum() else ""
                options.append(f'--header "{name}: {shown}$SHOP_TOKEN"')
            else:
                options.append(f"--header {shlex.quote(f'{name}: {value}')}")
        if request.body:
            options.append(f"--data {shlex.quote(request.body.decode())}")
        options.append(shlex.quote(request.url))
        return " \\\n  ".join(options)


# --8<-- [end:concrete-builders]


# --8<-- [start:director]
class ShopApiDirector:
    """The director: the shop API's usual requests, as recipes of builder steps."""

    def __init__(self, base_url: str, token: str) -> None:
        if not token:
            raise RequestError("the shop API needs a token")
        self.base_url = base_url.rstrip("/")
        self.token = token

    def list_orders(
        self, builder: RequestBuilder[object], *, status: str, page: int = 1
    ) -> None:
        if page < 1:
            raise RequestError(f"pages are numbered from 1, got {page}")
        self._start(builder, "GET", "/orders")
        builder.add_query("status", status)
        builder.add_query("page", page)

    def create_order(
        self,
        builder: RequestBuilder[object],
        order: Mapping[str, Any],
        *,
        idempotency_key: str,
    ) -> None:
        self._start(builder, "POST", "/orders")
        builder.add_header("Idempotency-Key", idempotency_key)
        builder.set_json(order)
        builder.set_timeout(30)

    def _start(self, builder: RequestBuilder[object], method: str, path: str) -> None:
        builder.reset()
        builder.set_method(method)
        builder.set_url(self.base_url + path)
        builder.add_header("Accept", "application/json")
        builder.add_header("Authorization", f"Bearer {self.token}")


# --8<-- [end:director]


# --8<-- [start:fluent]
@dataclass(frozen=True)
class FluentRequest:
    """A fluent builder that never changes: every step returns a new builder."""

    method: str
    url: str
    query: Pairs = ()
    headers: Pairs = ()
    body: bytes = b""
    timeout: float = 10.0

    @classmethod
    def get(cls, url: str) -> Self:
        return cls("GET", url)

    @classmethod
    def post(cls, url: str) -> Self:
        return cls("POST", url)

    def with_param(self, name: str, value: str | int) -> Self:
        return replace(self, query=(*self.query, (name, str(value))))

    def with_header(self, name: str, value: str) -> Self:
        return replace(self, headers=(*self.headers, check_header(name, value)))

    def with_json(self, payload: Mapping[str, Any]) -> Self:
        """Set the body, replacing any earlier body and Content-Type."""
        kept = [h for h in self.headers if h[0].lower() != "content-type"]
        headers = (*kept, ("Content-Type", "application/json"))
        return replace(self, headers=headers, body=json_body(payload))

    def with_timeout(self, seconds: float) -> Self:
        return replace(self, timeout=seconds)

    def build(self) -> HttpRequest:
        return HttpRequest(
            self.method,
            url_with_query(self.url, self.query),
            self.headers,
            self.body,
            self.timeout,
        )


# --8<-- [end:fluent]

if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    listing = json_request("GET", f"{API}/orders", token="demo", params={"page": 3})
    print(listing.url)
    #> https://shop.example.com/api/v2/orders?page=3
    patient = replace(listing, timeout=60.0)
    print(patient.timeout, listing.timeout)
    #> 60.0 10.0
    creation = json_request("POST", f"{API}/orders", payload={"sku": "KB-101"})
    try:
        replace(creation, method="GET")
    except RequestError as exc:
        print(exc)
        #> a GET request cannot have a body
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    director = ShopApiDirector(API, token="demo-token")
    builder = HttpRequestBuilder()
    director.list_orders(builder, status="open", page=2)
    request = builder.build()
    print(request.method, request.url)
    #> GET https://shop.example.com/api/v2/orders?status=open&page=2
    print(request.header("authorization"))
    #> Bearer demo-token
    # --8<-- [end:demo]

    # --8<-- [start:demo-curl]
    curl = CurlCommandBuilder()
    order = {"sku": "KB-101", "quantity": 2}
    director.create_order(curl, order, idempotency_key="order-7f3a")
    print(curl.build())
    '''
    curl --request POST --max-time 30 \
      --header 'Accept: application/json' \
      --header "Authorization: Bearer $SHOP_TOKEN" \
      --header 'Idempotency-Key: order-7f3a' \
      --header 'Content-Type: application/json' \
      --data '{"sku":"KB-101","quantity":2}' \
      https://shop.example.com/api/v2/orders
    '''
    # --8<-- [end:demo-curl]

    # --8<-- [start:demo-errors]
    try:
        builder.add_header("X-Note", "hi\r\nX-Admin: yes")
    except RequestError as exc:
        print(exc)
        #> the value of header 'X-Note' contains a line break
    try:
        builder.build()
    except RequestError as exc:
        print(exc)
        #> call set_url() before build()
    builder.set_url(f"{API}/orders")
    builder.set_json({"sku": "KB-101"})
    try:
        builder.build()
    except RequestError as exc:
        print(exc)
        #> a GET request cannot have a body
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-fluent]
    orders = FluentRequest.get(f"{API}/orders").with_header("Accept", "text/csv")
    open_orders = orders.with_param("status", "open").build()
    shipped = orders.with_param("status", "shipped").with_timeout(5).build()
    print(open_orders.url)
    #> https://shop.example.com/api/v2/orders?status=open
    print(shipped.url, shipped.timeout)
    #> https://shop.example.com/api/v2/orders?status=shipped 5
    # --8<-- [end:demo-fluent]
    # fmt: on
