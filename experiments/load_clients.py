"""The simulated users' connections to the chat's ``/ask`` API endpoint.

- ``http`` (default): plain HTTP through Gradio's API routes: ``POST /gradio_api/call/ask``
  returns an event id, ``GET /gradio_api/call/ask/<id>`` streams the result (server-sent
  events). A user costs the machine an HTTP client and nothing else.
- ``gradio``: ``gradio_client.Client``, as a Python caller would use the API. It spends about
  80 ms of CPU per call in the calling process (threads, event polling), which on a two-core
  machine that also runs the server takes CPU from the server being measured.

Both return the endpoint's JSON answer and raise ``TimeoutError`` when it does not come in time.
"""

from __future__ import annotations

import json
from typing import Protocol

import httpx

CLIENTS = ("http", "gradio")
ASK_ROUTE = "gradio_api/call/ask"
# /ask's inputs in order: question, previous question, languages, date from, date to, max quotes
DEFAULT_INPUTS = ("", [], "", "", 3)


class AskClient(Protocol):
    def ask(self, question: str, timeout: float) -> object: ...

    def close(self) -> None: ...


class LoadClientError(RuntimeError):
    """The server refused the call or sent no answer."""


class HttpClient:
    def __init__(self, url: str, auth: tuple[str, str] | None = None) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/") + "/", timeout=httpx.Timeout(60.0))
        if auth is not None:
            response = self.http.post("login", data={"username": auth[0], "password": auth[1]})
            if response.status_code != 200:
                self.http.close()
                raise LoadClientError(f"login refused ({response.status_code})")

    def ask(self, question: str, timeout: float) -> object:
        try:
            posted = self.http.post(ASK_ROUTE, json={"data": [question, *DEFAULT_INPUTS]}, timeout=timeout)
            posted.raise_for_status()
            event_id = posted.json()["event_id"]
            with self.http.stream("GET", f"{ASK_ROUTE}/{event_id}", timeout=timeout) as stream:
                event = ""
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event in ("complete", "error"):
                        data = line.removeprefix("data:").strip()
                        if event == "error":
                            raise LoadClientError(f"the server reported an error: {data[:300]}")
                        return json.loads(data)[0]
        except httpx.TimeoutException as error:
            raise TimeoutError(str(error)) from error
        raise LoadClientError("the event stream ended without an answer")

    def close(self) -> None:
        self.http.close()


class GradioClient:
    def __init__(self, url: str, auth: tuple[str, str] | None = None) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False, auth=auth, analytics_enabled=False, download_files=False)

    def ask(self, question: str, timeout: float) -> object:
        return self.client.submit(question=question, api_name="/ask").result(timeout=timeout)

    def close(self) -> None:
        self.client.close()


def connect(kind: str, url: str, auth: tuple[str, str] | None = None) -> AskClient:
    if kind == "http":
        return HttpClient(url, auth)
    if kind == "gradio":
        return GradioClient(url, auth)
    raise ValueError(f"unknown client {kind!r}; use one of {', '.join(CLIENTS)}")
