"""HTTP samples: a client's view of a logged request, as a support tool captures it.

The sample is the request of its log line (same ids, method, path, status and time); its agent is
the client of whoever sent it (the customer's integration, another tenant's client, or whoever uses
a leaked key from an unknown network); its body is what the API answers there (a page of orders, a
token, an accepted export), and a long body is captured truncated, as a capture tool keeps it.
"""

import hashlib
import json
import random
import re

from .world import World

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 409: "Conflict", 410: "Gone", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip

# The clients other tenants call the API with: a sample of another tenant's request carries one of
# these, never the ticket customer's own integration.
_OTHER_AGENTS = ("python-requests/2.31.0", "Go-http-client/2.0", "okhttp/4.12.0", "axios/1.6.8",
                 "node-fetch/3.3.2", "Ruby/3.2 Faraday/2.9.0", "Java-http-client/17.0.9")  # fmt: skip

# A page, a login or a SAML post comes from a person's browser, with a session cookie, not a token.
_BROWSER_PATHS = ("/saml/", "/app/", "/login", "/assets/")
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
)

# What each collection's items are called, and the prefix of their ids.
_COLLECTIONS = {
    "orders": ("order", "ord_"),
    "customers": ("customer", "cus_"),
    "invoices": ("invoice", "in_"),
    "exports": ("export", "exp_"),
    "webhooks": ("webhook_endpoint", "we_"),
    "integrations": ("integration", "int_"),
}
_PAGE_SIZE = re.compile(r"\bpage_size=(\d+)")
_PAGES_SERVED = re.compile(r"; (\d+) pages \(")
_COUNTED = re.compile(r"\b(?:listed|returned) (\d+) (?:\w+ )?(?:invoices|rows)\b")
_NAMED_ID = re.compile(r"\b(ord|in|exp|we|usr)_[0-9a-f]{6,}\b")
_DAYS = re.compile(r"\b(\d+) days\b")
_CAPTURE_LIMIT = 3  # items of a long list the capture keeps before it truncates
# The API's error codes and messages, as its error bodies give them ({"error": code, "message": text}).
_ERRORS = {400: ("bad_request", "The request is malformed."), 401: ("unauthorized", "Missing or invalid credentials."),
           403: ("forbidden", "You do not have permission to do this."), 404: ("not_found", "No such resource."),
           409: ("conflict", "The resource was changed by another request."), 410: ("gone", "This resource is no longer available."),
           422: ("unprocessable_entity", "The request could not be processed."),
           429: ("rate_limited", "Too many requests, retry after {seconds} seconds"),
           500: ("internal_error", "An unexpected error occurred"), 502: ("bad_gateway", "upstream connection reset"),
           503: ("service_unavailable", "temporarily unable to process request"),
           504: ("gateway_timeout", "The upstream service did not answer in time.")}  # fmt: skip
# A limiter always says when to come back: its Retry-After when nothing else states one.
_RETRY_AFTER_CHOICES = (10, 20, 30, 60)
_RETRY_AFTER = re.compile(r"\bRetry-After:? (\d+)\b")
_PASTED_STATUS = re.compile(r"^HTTP/\d(?:\.\d)? (\d{3})\b", re.M)
_PASTED_BODY = re.compile(r"^(\{.*\})[ \t]*$", re.M)
# A request a ticket quotes with its query string ("GET /v2/orders?status=open&limit=50 HTTP/1.1").
QUOTED_REQUEST = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s?]+)\?([^\s]+?)[.,;)]?(?= HTTP/|\s|$)")


def user_agent(world: World, line: dict) -> str:
    """The agent of whoever sent the request: the unknown client of a leaked key when the line names
    the network it comes from, a person's browser on a page or a login, the customer's own integration
    on the customer's API requests, else the client of the tenant whose request it is (the same one for
    every request of that tenant)."""
    source = world.values.get("source_ip")
    if source and source in line["message"] and world.values.get("source_user_agent"):
        return world.values["source_user_agent"]
    tenant = line.get("tenant_id", "")
    if line["path"].startswith(_BROWSER_PATHS):
        return _BROWSERS[int(hashlib.sha256(line["request_id"].encode()).hexdigest(), 16) % len(_BROWSERS)]
    if tenant == world.customer.tenant_id:
        return world.values.get("client_user_agent") or f"{world.customer.domain}-integration/2.4"
    return _OTHER_AGENTS[int(hashlib.sha256(tenant.encode()).hexdigest(), 16) % len(_OTHER_AGENTS)]


def http_sample(world: World, rng: random.Random, line: dict, trace: dict | None) -> dict:
    """The client's view of a logged request: its latency is the one figure our side measured for the
    whole request, its trace's root span (and the line of that span), so a reader comparing the
    sample, the line and the trace finds one number."""
    status = line["status"]
    browser = line["path"].startswith(_BROWSER_PATHS)
    server = max([line["latency_ms"]] + [s["duration_ms"] for s in (trace or {}).get("spans", [])[:1]])
    headers = {"Content-Type": "application/json", "X-Request-Id": line["request_id"],
               "traceparent": f"00-{line['trace_id']}-{line['span_id']}-01"}  # fmt: skip
    if status in (204, 304) or 300 <= status < 400:
        headers.pop("Content-Type")
    if status == 302:
        headers["Location"] = "/app"
    waited = retry_after(world, line)
    if waited is not None:
        headers["Retry-After"] = str(waited)
    if browser and "Content-Type" in headers:
        headers["Content-Type"] = "text/html; charset=utf-8"
    host, credential = (
        ("app", ("Cookie", "session=[redacted]"))
        if browser
        else ("api", ("Authorization", "Bearer [redacted]"))
    )
    return {
        "request_id": line["request_id"],
        "trace_id": line["trace_id"],
        "at": line["ts"],
        "request": {
            "method": line["method"],
            "url": f"https://{host}.{world.values['product'].lower()}.com{line['path']}{_query(world, line)}",
            "headers": {
                credential[0]: credential[1],
                "User-Agent": user_agent(world, line),
                "X-Request-Id": line["request_id"],
            },
        },
        "response": {
            "status": status,
            "reason": REASONS.get(status, ""),
            "headers": headers,
            "body": response_body(world, rng, line),
            "latency_ms": server,
        },
    }


def _pasted_response(world: World) -> tuple[int | None, str]:
    """The status and text of the response the archetype's ticket pastes, if it pastes one."""
    snippet = world.text(world.archetype.get("ticket", {}).get("error_snippet", ""))
    status = _PASTED_STATUS.search(snippet)
    return (int(status.group(1)) if status else None), snippet


def retry_after(world: World, line: dict) -> int | None:
    """A 429's or 503's Retry-After, one figure per scenario: the one its line states, else the one the
    ticket's pasted response of that status shows, else the scenario's own (`retry_after_s`), else for
    a 429 one drawn per scenario (a limiter always says when to come back); a 503 says none."""
    status = line["status"]
    if status not in (429, 503):
        return None
    stated = _RETRY_AFTER.search(line["message"])
    pasted_status, pasted = _pasted_response(world)
    if not stated and pasted_status == status:
        stated = _RETRY_AFTER.search(pasted)
    if stated:
        return int(stated.group(1))
    if world.values.get("retry_after_s"):
        return int(world.values["retry_after_s"])
    if status == 429:
        return random.Random(f"{world.salt}retry-after").choice(_RETRY_AFTER_CHOICES)
    return None


def error_body(world: World, line: dict) -> dict:
    """The API's error body: the one the ticket pastes for the same status, else its code and message;
    a message that says when to retry says the Retry-After the headers give."""
    pasted_status, pasted = _pasted_response(world)
    body = _PASTED_BODY.search(pasted) if pasted_status == line["status"] else None
    if body:
        try:
            return json.loads(body.group(1))
        except ValueError:
            pass
    code, message = _ERRORS.get(line["status"], ("error", REASONS.get(line["status"], "Error")))
    return {"error": code, "message": message.format(seconds=retry_after(world, line))}


def quoted_queries(text: str) -> dict[tuple[str, str], str]:
    """The query string a text quotes for each method and path, the first whole one: a query cut short
    ("cursor=eyJpZCI6...") or a placeholder ("<next_cursor>") is no request anyone sent."""
    queries: dict[tuple[str, str], str] = {}
    for method, path, query in QUOTED_REQUEST.findall(text):
        if "..." not in query and "<" not in query:
            queries.setdefault((method, path), query)
    return queries


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _query(world: World, line: dict) -> str:
    """The query of the request: for a failing request on the method and path whose request the ticket
    pastes, that query (the one the failure involves), as the customer sent it, or as another tenant's
    client would (its own cursor or token of the same shape); else, for a paged request, the page after
    the pages the line says were served before it."""
    if line["status"] >= 400:
        _, pasted = _pasted_response(world)
        quoted = quoted_queries(pasted).get((line["method"], line["path"]))
        if quoted and line.get("tenant_id") == world.customer.tenant_id:
            return f"?{quoted}"
        if quoted:
            return f"?{_of_another_client(quoted, line['request_id'])}"
    size, served = _PAGE_SIZE.search(line["message"]), _PAGES_SERVED.search(line["message"])
    if size and served:
        return f"?page_size={size.group(1)}&page={int(served.group(1)) + 1}"
    return ""


def _of_another_client(query: str, seed: str) -> str:
    """The same query from another client: its filters and sizes alike, its long opaque values (a
    cursor, a token) its own, of the same length and prefix."""
    rng = random.Random(seed)
    parameters = []
    for parameter in query.split("&"):
        name, _, value = parameter.partition("=")
        if len(value) >= 12:
            value = value[:3] + "".join(rng.choice(_TOKEN_CHARS) for _ in value[3:])
        parameters.append(f"{name}={value}" if _ else name)
    return "&".join(parameters)


def response_body(world: World, rng: random.Random, line: dict):
    """What the API answered: an error object, nothing (a redirect, not modified), the resource or
    the page of resources the endpoint returns; a long page as the capture truncates it."""
    status, method, path = line["status"], line["method"], line["path"]
    if path.startswith(_BROWSER_PATHS) and status >= 400:
        return f"<!doctype html><html lang=en><head><title>{status} {REASONS.get(status, '')}</title> ... (HTML, truncated)"
    if status >= 400:
        return error_body(world, line)
    if status in (204, 304) or 300 <= status < 400:
        return ""
    named = _NAMED_ID.search(line["message"])
    resource = path.rstrip("/").rsplit("/", 1)[-1]
    if resource == "latest-all":
        return {"flags": rng.randint(20, 60), "etag": f'W/"{_id(rng, "")}"'}
    if not path.startswith(("/v1/", "/v2/", "/oauth/", "/scim/")):
        return f"<!doctype html><html lang=en><head><title>{world.values['product']}</title> ... (HTML, truncated)"
    if path == "/oauth/token":
        return {"access_token": "[redacted]", "token_type": "Bearer", "expires_in": 3600}
    if path.startswith("/scim/"):
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": _id(rng, "usr_"),
            "active": True,
        }
    if path == "/v2/reports/rollups/daily":
        days = _DAYS.search(line["message"])
        return {"object": "daily_rollup", "time_zone": "tenant", "days": int(days.group(1)) if days else 7}
    if path == "/v2/reports/export":
        return {"export_id": named.group(0) if named else _id(rng, "exp_"), "status": "queued"}
    if path == "/v2/auth/password-reset":
        return {"status": "sent"}
    if path == "/v2/webhooks/test":
        return {"event_id": _id(rng, "evt_"), "status": "queued"}
    if path == "/v2/settings":
        return {"tenant_id": line.get("tenant_id"), "version": rng.randint(12, 90), "currency": "EUR"}
    if path == "/v2/search":
        hits = rng.randint(0, 40)
        return {"total": hits, "hits": [{"id": _id(rng, "ord_"), "score": round(rng.uniform(2, 9), 2)}
                                        for _ in range(min(hits, 2))]}  # fmt: skip
    if path == "/v2/inventory":
        return {"sku": f"sku_{rng.randint(10000, 99999)}", "available": rng.randint(0, 400)}
    if resource in _COLLECTIONS and method != "GET":
        kind, prefix = _COLLECTIONS[resource]
        return {"id": named.group(0) if named and named.group(0).startswith(prefix) else _id(rng, prefix),
                "object": kind, "status": "accepted" if method == "POST" else "updated"}  # fmt: skip
    return _page(rng, line, resource)


def _page(rng: random.Random, line: dict, resource: str):
    """A page of a collection: the whole body when it is short, else its first items as captured."""
    kind, prefix = _COLLECTIONS.get(resource, ("item", "id_"))
    size = _PAGE_SIZE.search(line["message"])
    counted = _COUNTED.search(line["message"])
    count = int(size.group(1)) if size else int(counted.group(1)) if counted else rng.randint(1, 50)
    more = bool(size) or count >= 50
    items = [{"id": _id(rng, prefix), "object": kind} for _ in range(min(count, _CAPTURE_LIMIT))]
    cursor = _id(rng, "cur_") if more else None
    if count <= _CAPTURE_LIMIT:
        return {"object": "list", "data": items, "has_more": more, "next_cursor": cursor}
    shown = ",".join(json.dumps(item, separators=(",", ":")) for item in items)
    return (
        f'{{"object":"list","data":[{shown}, ... {count - len(items)} more {kind} objects],'
        f'"has_more":{json.dumps(more)},"next_cursor":{json.dumps(cursor)}}} (body truncated by the capture)'
    )


def _id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(40):010x}"
