"""``/api``: following claims and reading one's notifications."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from factcheck.api import Routes, json_response, page_of
from factcheck.api.schema import Field, Id, Page, PerPage
from factcheck.claims import operations as claims
from factcheck.notify import operations
from factcheck.notify.serialise import notification_as_dict

routes = Routes("notify")

PAGE_QUERY = {"page": Page(), "per_page": PerPage()}
READ_BODY = {"id": Id("the notification to mark read; all of them when absent", nullable=True)}
FOLLOW_BODY = {"follow": Field("boolean", required=True, description="`true` to follow, `false` to stop")}


@routes.route("/claims/<id:claim_id>/follow", "PUT", summary="Follow a claim, or stop following it",
              body=FOLLOW_BODY, responses={200: "whether the caller follows the claim now"}, tag="claims")
def put_follow(claim_id: int, body: dict[str, Any]) -> Any:
    claim = claims.get_claim(current_user, claim_id)
    if body["follow"]:
        operations.follow(current_user, claim)
    else:
        operations.unfollow(current_user, claim)
    return json_response({"claim_id": claim.id, "following": operations.is_following(current_user, claim)})


@routes.route("/notifications", "GET", summary="Your notifications, newest first", query=PAGE_QUERY,
              tag="notifications")
def list_notifications(query: dict[str, Any]) -> Any:
    page, per_page = query.get("page") or 1, query.get("per_page") or 25
    rows, total = operations.inbox(current_user, page=page, per_page=per_page)
    payload = page_of([notification_as_dict(row) for row in rows], total, page, per_page)
    payload["unread"] = operations.unread_count(current_user)
    return json_response(payload)


@routes.route("/notifications/read", "POST", summary="Mark a notification, or all of them, read", body=READ_BODY,
              tag="notifications")
def read_notifications(body: dict[str, Any]) -> Any:
    changed = operations.mark_read(current_user, body.get("id"))
    return json_response({"marked": changed, "unread": operations.unread_count(current_user)})
