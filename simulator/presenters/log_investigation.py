"""log_investigation: logs, traces as waterfalls, HTTP samples and the dashboard; the worked answer
with the key evidence lines."""

from scenarios.models import LogLine

from .common import pretty, ticket_view, ts


def span_rows(trace: dict) -> dict:
    spans = trace.get("spans", [])
    total = max((s["start_offset_ms"] + s["duration_ms"] for s in spans), default=0) or 1
    depth: dict[str, int] = {}
    rows = []
    for span in spans:
        level = depth.get(span.get("parent_span_id"), -1) + 1 if span.get("parent_span_id") else 0
        depth[span["span_id"]] = level
        left = 100 * span["start_offset_ms"] / total
        width = max(100 * span["duration_ms"] / total, 0.4)
        rows.append(
            {
                **span,
                "depth": min(level, 8),
                "left": f"{left:.3f}",
                "width": f"{width:.3f}",
                "right": f"{max(0.0, 100 - left - width):.3f}",
                "right_of_start": f"{100 - left:.3f}",
                # The duration label goes after the bar, inside it when the bar is long and ends
                # near the edge, or before it when a short bar starts near the edge.
                "label_inside": left + width > 80 and width > 12,
                "label_right": left + width > 80,
                "is_error": span.get("status") == "error",
            }
        )
    root = spans[0] if spans else {}
    return {
        "trace_id": trace.get("trace_id", ""),
        "started": ts(trace.get("started_at")),
        "total_ms": total,
        "root_operation": root.get("operation", ""),
        "root_service": root.get("service", ""),
        "has_error": any(row["is_error"] for row in rows),
        "error_count": sum(1 for row in rows if row["is_error"]),
        "spans": rows,
        "ticks": [round(total * fraction) for fraction in (0, 0.25, 0.5, 0.75, 1)],
    }


def http_sample_view(sample: dict) -> dict:
    request, response = sample.get("request") or {}, sample.get("response") or {}
    return {
        **sample,
        "at_dt": ts(sample.get("at")),
        "req": request,
        "res": response,
        "req_headers": request.get("headers") or {},
        "res_headers": response.get("headers") or {},
        "req_body": pretty(request["body"]) if request.get("body") not in (None, "") else "",
        "res_body": pretty(response["body"]) if response.get("body") not in (None, "") else "",
        "is_error": (response.get("status") or 0) >= 400,
    }


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    window = payload.get("window") or {}
    dashboard = payload.get("dashboard") or {}
    return {
        "ticket": ticket_view(payload["ticket"]) if payload.get("ticket") else None,
        "window_start": ts(window.get("start")),
        "window_end": ts(window.get("end")),
        "window": window,
        "services": payload.get("services", []),
        "levels": ["DEBUG", "INFO", "WARN", "ERROR"],
        "log_count": payload.get("log_count", 0),
        "traces": [span_rows(trace) for trace in payload.get("traces", [])],
        "http_samples": [http_sample_view(sample) for sample in payload.get("http_samples", [])],
        "dashboard_service": dashboard.get("service", ""),
        "dashboard_events": [
            {**event, "at": ts(event.get("ts"))} for event in dashboard.get("events", []) or []
        ],
        "saturation": dashboard.get("saturation_metric") or {},
    }


def worked(key: dict, scenario, answer: dict) -> dict:
    evidence = list(key.get("key_evidence") or [])
    cited = set(answer.get("evidence_ids") or [])
    messages = {}
    if scenario is not None and evidence:
        for row in LogLine.objects.filter(
            scenario_id=scenario.pk, line_id__in=[e.get("line_id") for e in evidence]
        ).only("line_id", "ts", "level", "service", "message"):
            messages[row.line_id] = row
    mitigations = key.get("mitigations") or {}
    return {
        "root_cause": key.get("root_cause", ""),
        "onset": ts(key.get("onset")),
        "onset_raw": key.get("onset", ""),
        "onset_tolerance_minutes": round((key.get("onset_tolerance_seconds") or 0) / 60, 1),
        "severity": key.get("severity", ""),
        "route": key.get("route", ""),
        "component": key.get("component", ""),
        "evidence": [
            {
                **e,
                "line": messages.get(e.get("line_id")),
                "cited": e.get("line_id") in cited or e.get("trace_id") in cited,
            }
            for e in evidence
        ],
        "signal_messages": key.get("signal_messages") or [],
        "red_herrings": key.get("red_herrings") or [],
        "safe": mitigations.get("safe") or [],
        "follow_up": mitigations.get("follow_up") or [],
        "unsafe": mitigations.get("unsafe") or [],
    }
