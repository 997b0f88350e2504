"""triage_queue: the ticket queue, and the worked answer's ticket by ticket comparison."""

from .common import ticket_view


def present(item: dict, attempt) -> dict:
    payload = item["payload"]
    return {
        "tickets": [ticket_view(ticket) for ticket in payload.get("tickets", [])],
        "severity_scale": sorted((payload.get("severity_scale") or {}).items()),
    }


def worked(key: dict, scenario, answer: dict) -> dict:
    payload = scenario.view_payload if scenario else {}
    tickets = {ticket.get("id"): ticket for ticket in payload.get("tickets", [])}
    yours = answer.get("tickets") or {}
    keyed = key.get("tickets") or {}
    order = list(key.get("priority_order") or [])
    order += [ticket_id for ticket_id in keyed if ticket_id not in order]
    rows = []
    for position, ticket_id in enumerate(order, start=1):
        expected = keyed.get(ticket_id) or {}
        ticket = tickets.get(ticket_id) or {}
        mine = yours.get(ticket_id) or {}
        rows.append(
            {
                **expected,
                "id": ticket_id,
                "priority": position,
                "subject": ticket.get("subject", ""),
                "customer": (ticket.get("customer") or {}).get("name", ""),
                "your_severity": mine.get("severity", ""),
                "your_route": mine.get("route", ""),
                "severity_matches": mine.get("severity") == expected.get("severity"),
                "route_matches": mine.get("route") == expected.get("route"),
            }
        )
    your_order = [ticket_id for ticket_id in answer.get("priority_order") or [] if ticket_id in keyed]
    return {"tickets": rows, "your_order": your_order, "order_matches": your_order == order}
