"""Claims of the builder page and its real-world examples, checked against real components.

The curl command runs through a real shell (bash), with `printf` standing in for curl.
"""

import http.client
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from snippets.creational.builder import (
    API,
    CurlCommandBuilder,
    FluentRequest,
    HttpRequest,
    HttpRequestBuilder,
    RequestError,
    json_request,
)


def built_by_step_builder(url: str) -> str:
    builder = HttpRequestBuilder()
    builder.set_url(url)
    builder.add_query("page", 2)
    return builder.build().url


URL_MAKERS: list[Callable[[str], str]] = [
    lambda url: FluentRequest.get(url).with_param("page", 2).build().url,
    lambda url: json_request("GET", url, params={"page": 2}).url,
    built_by_step_builder,
]


@pytest.mark.parametrize("make_url", URL_MAKERS)
def test_parameters_join_an_existing_query_and_stay_before_the_fragment(
    make_url: Callable[[str], str],
) -> None:
    assert make_url(f"{API}/orders") == f"{API}/orders?page=2"
    assert make_url(f"{API}/orders?status=open") == f"{API}/orders?status=open&page=2"
    assert make_url(f"{API}/orders#top") == f"{API}/orders?page=2#top"


@pytest.mark.parametrize(
    "payload",
    [
        {"price": float("nan")},
        {"price": float("inf")},
        {"price": Decimal("19.90")},
        {(1, 2): "tuple key"},
    ],
)
def test_what_json_cannot_represent_is_refused_with_request_error(
    payload: dict[Any, Any],
) -> None:
    with pytest.raises(RequestError, match="not a valid JSON body"):
        FluentRequest.post(f"{API}/orders").with_json(payload)
    builder = HttpRequestBuilder()
    with pytest.raises(RequestError, match="not a valid JSON body"):
        builder.set_json(payload)


def test_a_json_body_set_twice_keeps_one_content_type() -> None:
    fluent = (
        FluentRequest.post(f"{API}/orders")
        .with_header("content-type", "text/plain")
        .with_json({"a": 1})
        .with_json({"a": 2})
        .build()
    )
    builder = HttpRequestBuilder()
    builder.set_method("POST")
    builder.set_url(f"{API}/orders")
    builder.set_json({"a": 1})
    builder.set_json({"a": 2})
    for request in (fluent, builder.build()):
        assert request.headers == (("Content-Type", "application/json"),)
        assert request.body == b'{"a":2}'


def test_a_second_content_type_is_refused_by_the_product() -> None:
    with_json = FluentRequest.post(f"{API}/orders").with_json({"a": 1})
    with pytest.raises(RequestError, match="at most one Content-Type"):
        with_json.with_header("Content-Type", "text/plain").build()


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan")])
def test_a_timeout_that_is_not_positive_is_refused(timeout: float) -> None:
    with pytest.raises(RequestError, match="timeout must be positive"):
        HttpRequest("GET", f"{API}/orders", timeout=timeout)


@pytest.mark.parametrize(
    ("authorization", "shown"),
    [
        ("Bearer s3cret-token", "Authorization: Bearer s3cret-token"),
        ("s3cret-token", "Authorization: s3cret-token"),
        ("Bea$(echo pwned)rer s3cret-token", "Authorization: s3cret-token"),
    ],
)
def test_the_curl_command_never_contains_the_token(authorization: str, shown: str) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    builder = CurlCommandBuilder()
    builder.set_url(f"{API}/orders")
    builder.add_header("Authorization", authorization)
    command = builder.build()
    assert "s3cret" not in command and "pwned" not in command
    as_printf = command.replace("curl", "printf '%s\\n'", 1)
    result = subprocess.run(
        [bash, "-c", as_printf],
        env={"SHOP_TOKEN": "s3cret-token", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    assert shown in result.stdout.splitlines()
    assert "pwned" not in result.stdout


def test_putheader_refuses_a_new_header_line_but_not_a_folded_one() -> None:
    connection = http.client.HTTPConnection("127.0.0.1")  # never connects here
    connection.putrequest("GET", "/orders")
    with pytest.raises(ValueError, match="Invalid header value"):
        connection.putheader("X-Note", "hi\r\nX-Admin: yes")
    connection.putheader("X-Note", "hi\r\n folded")  # a continuation line is allowed


def test_xml_parser_directs_any_target_with_the_tree_builder_steps() -> None:
    class CountingTarget:
        def __init__(self) -> None:
            self.steps: list[str] = []

        def start(self, tag: str, attrib: dict[str, str]) -> None:
            self.steps.append(f"start {tag}")

        def data(self, text: str) -> None:
            self.steps.append("data")

        def end(self, tag: str) -> None:
            self.steps.append(f"end {tag}")

        def close(self) -> list[str]:
            return self.steps

    parser = ET.XMLParser(target=CountingTarget())
    parser.feed("<order><sku>KB-101</sku></order>")
    result: object = parser.close()
    assert result == ["start order", "start sku", "data", "end sku", "end order"]


def test_prepared_request_runs_its_steps_in_the_order_the_page_gives() -> None:
    steps: list[str] = []
    names = ["method", "url", "headers", "cookies", "body", "auth", "hooks"]

    class Recording(requests.PreparedRequest):
        pass

    for name in names:
        original = getattr(requests.PreparedRequest, f"prepare_{name}")

        def record(self: Any, *args: Any, _name: str = name, _f: Any = original) -> Any:
            steps.append(_name)
            return _f(self, *args)

        setattr(Recording, f"prepare_{name}", record)
    Recording().prepare(method="GET", url=f"{API}/orders")
    assert steps == names


def test_add_attachment_turns_a_plain_message_into_a_multipart_one() -> None:
    message = EmailMessage()
    message.set_content("Your invoice is attached.")
    assert not message.is_multipart()
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf")
    assert message.is_multipart() and message.get_content_type() == "multipart/mixed"
