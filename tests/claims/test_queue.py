"""The queue the desk runs on: filters and order, age in words, tags, priority, "my work", bulk
actions with a per-claim report, who may do what, the API and its OpenAPI entries, and a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from factcheck import close_app, db
from factcheck.audit import Event
from factcheck.claims.models import Claim, ClaimTag
from factcheck.claims.tags import InvalidTag, normalise_tag, normalise_tags, split_tags

CLAIM_ID = re.compile(r'class="claim-id">#(\d+)<')
OUTCOME = re.compile(r'<li class="outcome-(\w+)">\s*<(?:a|span)[^>]*class="claim-id">#(\d+)<')


def visible(page: str) -> str:
    """The page's text as read, without its markup (class names, links)."""
    return re.sub(r"<[^>]+>", " ", page)


def listed(page: str) -> list[int]:
    return [int(number) for number in CLAIM_ID.findall(page)]


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", name="Ravi Reviewer")


@pytest.fixture
def desk(browser, reviewer):
    return browser(reviewer)


@pytest.fixture
def change(app):
    """Change a claim's columns (age, assignee, marks) straight in the database, for setting up."""

    def update(claim, *, tags: tuple[str, ...] = (), **columns):
        with app.app_context():
            row = db.session().get(Claim, claim.id)
            for name, value in columns.items():
                setattr(row, name, value)
            row.tags.extend(ClaimTag(tag=tag) for tag in tags)
            db.commit()

    return update


def events_of(app, claim_id: int, kind: str) -> list[Event]:
    with app.app_context():
        return list(db.session().scalars(select(Event).where(Event.claim_id == claim_id, Event.kind == kind)
                                         .order_by(Event.id)))


def claim_row(app, claim_id: int) -> Claim:
    with app.app_context():
        row = db.session().get(Claim, claim_id)
        assert row is not None
        _ = row.tag_names  # loaded before the session closes
        return row


# -- filters, order, age --------------------------------------------------------------------------


@pytest.fixture
def queue_claims(make_claim, make_user, change, reviewer):
    """Four claims of different ages: two new (one a tagged priority), two in research."""
    other = make_user("reviewer", name="Other Reviewer")
    now = db.utcnow()
    mine_new = make_claim("mine and new")
    tagged = make_claim("a priority about the election")
    mine_researching = make_claim("mine in research", status="researching")
    others = make_claim("someone else's research", status="researching")
    change(mine_new, created_at=now - dt.timedelta(days=2), assignee_id=reviewer.id)
    change(tagged, created_at=now - dt.timedelta(hours=3), priority=True, tags=("election",))
    change(mine_researching, created_at=now - dt.timedelta(days=1), assignee_id=reviewer.id)
    change(others, created_at=now - dt.timedelta(hours=1), assignee_id=other.id)
    return mine_new, tagged, mine_researching, others


def test_the_queue_filters_by_state_whose_work_priority_and_tag(desk, queue_claims):
    mine_new, tagged, mine_researching, others = queue_claims
    assert listed(desk.get("/claims").get_data(as_text=True)) == [mine_new.id, tagged.id]
    assert listed(desk.get("/claims?status=researching").get_data(as_text=True)) == [mine_researching.id, others.id]
    # "My work" without a state: every open claim assigned to me, oldest first.
    assert listed(desk.get("/claims?assigned=me").get_data(as_text=True)) == [mine_new.id, mine_researching.id]
    assert listed(desk.get("/claims?assigned=none&status=all").get_data(as_text=True)) == [tagged.id]
    assert listed(desk.get("/claims?status=all&priority=1").get_data(as_text=True)) == [tagged.id]
    assert listed(desk.get("/claims?status=all&tag=%23Election").get_data(as_text=True)) == [tagged.id]
    assert listed(desk.get("/claims?status=all&tag=health").get_data(as_text=True)) == []


def test_priority_claims_come_first_only_when_asked(desk, queue_claims):
    mine_new, tagged, mine_researching, others = queue_claims
    oldest_first = [mine_new.id, mine_researching.id, tagged.id, others.id]
    assert listed(desk.get("/claims?status=open").get_data(as_text=True)) == oldest_first
    assert listed(desk.get("/claims?status=open&sort=priority").get_data(as_text=True)) == [
        tagged.id, mine_new.id, mine_researching.id, others.id]


def test_the_filter_links_keep_the_other_filters(desk, queue_claims):
    page = desk.get("/claims?status=all&sort=priority&tag=election").get_data(as_text=True)
    assert 'href="/claims?status=all&amp;assigned=me&amp;tag=election&amp;sort=priority"' in page
    assert 'href="/claims?status=all&amp;sort=priority"' in page  # the tag filter's "remove" link


def test_each_card_shows_age_assignee_tags_and_the_priority_mark(desk, queue_claims):
    page = desk.get("/claims?status=open").get_data(as_text=True)
    assert "2 days old" in page and "3 hours old" in page and "1 hour old" in page
    assert "assigned to Ravi Reviewer" in page and "assigned to Other Reviewer" in page
    assert "nobody assigned" in page
    assert page.count('class="priority-mark"') == 1
    assert 'href="/claims?status=open&amp;tag=election"' in page
    assert "in_review" not in visible(page), "no internal state name on the page"


def test_the_age_is_in_the_users_language(desk, queue_claims):
    desk.client.set_cookie("lang", "hi")
    page = desk.get("/claims?status=open").get_data(as_text=True)
    assert "2 दिन" in page and "3 घंटे" in page
    assert "2 days" not in page


def test_a_tag_filter_that_cannot_be_a_tag_says_so(desk, queue_claims):
    response = desk.get("/claims?status=all&tag=%F0%9F%99%8F")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "letters, digits, spaces and hyphens" in page
    assert len(listed(page)) == 4


# -- empty states ----------------------------------------------------------------------------------


def test_empty_queues_say_what_to_do(desk, make_claim, make_user):
    page = desk.get("/claims").get_data(as_text=True)
    assert "Nothing waiting here. New claims appear as volunteers file them." in page
    assert "Nothing is assigned to you" in desk.get("/claims?assigned=me").get_data(as_text=True)
    make_claim("not a priority")
    narrowed = desk.get("/claims?priority=1").get_data(as_text=True)
    assert "No claim matches these filters." in narrowed
    assert 'href="/claims?status=submitted"' in narrowed
    assert "No claim is in review right now." in desk.get("/claims?status=in_review").get_data(as_text=True)


def test_my_claims_lists_what_i_filed_and_what_i_am_assigned(browser, make_user, make_claim):
    volunteer = make_user("volunteer")
    session = browser(volunteer)
    empty = session.get("/claims/mine").get_data(as_text=True)
    assert "You have not filed a claim yet" in empty and 'href="/claims/new"' in empty
    filed = make_claim("filed by me", by=volunteer)
    assigned = make_claim("given to me to write", assignee=volunteer, status="researching")
    make_claim("not mine")
    page = session.get("/claims/mine").get_data(as_text=True)
    assert listed(page) == [filed.id, assigned.id]
    assert visible(page).count("assigned to you") == 1
    assert "old" in page and 'name="claim"' not in page, "no bulk selection on my claims"


# -- tags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("Election", "election"),
    ("  #Election_2024 ", "election 2024"),
    ("fake   news", "fake news"),
    ("ＣＯＶＩＤ-19", "covid-19"),
    ("कांग्रेस", "कांग्रेस"),
    ("बैंक\u200d बंद", "बैंक बंद"),
    ("x" * 40, "x" * 40),
])
def test_tags_are_normalised(typed, stored):
    assert normalise_tag(typed) == stored


@pytest.mark.parametrize(("typed", "problem"), [
    ("", "empty"),
    ("  # ", "empty"),
    ("x" * 41, "at most 40"),
    ("fake!", "letters, digits"),
    ("🙏", "letters, digits"),
    ("a/b", "letters, digits"),
    ("--", "letters, digits"),
    ("bad\x00tag", "control characters"),
])
def test_bad_tags_are_refused_saying_why(typed, problem):
    with pytest.raises(InvalidTag, match=problem):
        normalise_tag(typed)


def test_a_list_of_tags_drops_repeats_and_names_the_bad_one():
    assert normalise_tags(["Health", "health", "#HEALTH", "bank"]) == ["health", "bank"]
    assert split_tags("health, बैंक,\nfake news,,") == ["health", " बैंक", "fake news"]
    with pytest.raises(InvalidTag, match="“fake!”"):
        normalise_tags(["ok", "fake!"])


def test_tags_from_the_claim_page_are_recorded_and_shown_in_history(app, desk, make_claim):
    claim = make_claim()
    response = desk.post(f"/claims/{claim.id}/tags", {"tags": "Health, #Bank, health"})
    assert response.status_code == 302
    assert claim_row(app, claim.id).tag_names == ["bank", "health"]
    desk.post(f"/claims/{claim.id}/tags", {"tags": "bank, election"})
    [first, second] = events_of(app, claim.id, "tags_changed")
    assert first.data == {"added": ["bank", "health"], "removed": []}
    assert second.data == {"added": ["election"], "removed": ["health"]}
    page = desk.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "added the tags: bank, health" in page
    assert "added the tags: election; removed the tags: health" in page
    assert "tags_changed" not in visible(page)
    desk.post(f"/claims/{claim.id}/tags", {"tags": "election, bank"})
    assert len(events_of(app, claim.id, "tags_changed")) == 2, "nothing changed, nothing recorded"


def test_bad_tags_from_the_claim_page_change_nothing(app, desk, make_claim):
    claim = make_claim()
    response = desk.post(f"/claims/{claim.id}/tags", {"tags": "fine, not/fine"}, follow_redirects=True)
    assert "“not/fine”" in response.get_data(as_text=True)
    eleven = ", ".join(f"tag {i}" for i in range(11))
    response = desk.post(f"/claims/{claim.id}/tags", {"tags": eleven}, follow_redirects=True)
    assert "at most 10 tags" in response.get_data(as_text=True)
    assert claim_row(app, claim.id).tag_names == []
    assert events_of(app, claim.id, "tags_changed") == []


# -- priority -------------------------------------------------------------------------------------


def test_priority_from_the_claim_page(app, desk, make_claim):
    claim = make_claim()
    assert "Mark as a priority" in desk.get(f"/claims/{claim.id}").get_data(as_text=True)
    desk.post(f"/claims/{claim.id}/priority", {"priority": "1"})
    assert claim_row(app, claim.id).priority is True
    page = desk.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "marked it as a priority" in page and "Remove the priority mark" in page
    desk.post(f"/claims/{claim.id}/priority", {"priority": "0"})
    assert claim_row(app, claim.id).priority is False
    assert [e.data["priority"] for e in events_of(app, claim.id, "priority_changed")] == [True, False]


# -- bulk actions from the queue --------------------------------------------------------------------


def test_bulk_reject_moves_what_can_move_and_says_why_the_others_cannot(app, desk, make_claim):
    new = make_claim("a joke, not a claim")
    researching = make_claim("an opinion", status="researching")
    published = make_claim("already published", status="published")
    rejected = make_claim("already rejected", status="rejected")
    response = desk.post("/claims/bulk", {
        "action": "reject", "claim": [published.id, new.id, rejected.id, researching.id, 999_999],
        "next": "/claims?status=all"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 claims changed · 3 could not be changed" in page
    assert "The claims that could not be changed are left as they were; the others are saved." in page
    outcomes = [(outcome, int(number)) for outcome, number in OUTCOME.findall(page)]
    refused = {published.id, rejected.id, 999_999}
    assert outcomes == [("refused" if number in refused else "done", number)
                        for number in sorted([new.id, researching.id, *refused])]
    assert "it is published, and cannot move from there" in page
    assert "it is rejected, and from there it can only move to: submitted" in page
    assert "there is no claim #999999" in page
    assert 'href="/claims?status=all"' in page  # back to the queue as it was
    # The claims that could move did, with the fixed note and one event each; the others did not.
    assert claim_row(app, new.id).status == claim_row(app, researching.id).status == "rejected"
    assert claim_row(app, published.id).status == "published"
    for claim in (new, researching):
        [event] = events_of(app, claim.id, "transition")
        assert event.to_status == "rejected" and event.note.startswith("Not check-worthy")
    assert events_of(app, published.id, "transition") == events_of(app, rejected.id, "transition") == []


def test_bulk_outcomes_are_listed_in_claim_order(desk, make_claim):
    claims = [make_claim(f"claim {i}", status=status) for i, status in enumerate(["published", "submitted"])]
    page = desk.post("/claims/bulk", {"action": "reject", "claim": [c.id for c in reversed(claims)]}
                     ).get_data(as_text=True)
    outcomes = re.findall(r'<li class="outcome-(\w+)">', page)
    assert outcomes == ["refused", "done"]


def test_bulk_assign_tag_and_priority_from_the_queue(app, desk, make_claim, make_user, reviewer):
    writer = make_user("volunteer", name="Vani Volunteer")
    first, second = make_claim("first"), make_claim("second", assignee=writer)
    ids = [first.id, second.id]
    page = desk.post("/claims/bulk", {"action": "assign", "assignee": writer.id, "claim": ids}).get_data(as_text=True)
    assert "assigned to Vani Volunteer" in page and "already so: nothing changed" in page
    assert len(events_of(app, first.id, "assigned")) == 1 and events_of(app, second.id, "assigned") == []
    desk.post("/claims/bulk", {"action": "tag", "tag": "#Banks", "claim": ids})
    desk.post("/claims/bulk", {"action": "priority", "claim": [first.id]})
    rows = [claim_row(app, i) for i in ids]
    assert [r.tag_names for r in rows] == [["banks"], ["banks"]]
    assert [r.priority for r in rows] == [True, False]
    assert [r.assignee_id for r in rows] == [writer.id, writer.id]
    desk.post("/claims/bulk", {"action": "no_priority", "claim": ids})
    desk.post("/claims/bulk", {"action": "assign", "assignee": "none", "claim": ids})
    assert [(r.priority, r.assignee_id) for r in (claim_row(app, i) for i in ids)] == [(False, None)] * 2


def test_bulk_duplicate_refuses_the_original_itself(app, desk, make_claim):
    original, copy, other = make_claim("original"), make_claim("copy"), make_claim("another copy")
    page = desk.post("/claims/bulk", {"action": "duplicate", "duplicate_of": f"#{original.id}",
                                      "claim": [original.id, copy.id, other.id]}).get_data(as_text=True)
    assert f"marked a duplicate of #{original.id}" in page
    assert "cannot duplicate itself" in page
    assert [claim_row(app, c.id).duplicate_of_id for c in (original, copy, other)] == [None, original.id, original.id]


def test_a_bulk_request_that_is_wrong_as_a_whole_changes_nothing(app, desk, make_claim):
    claim = make_claim()
    for form, message in [
        ({"action": "reject"}, "Select at least one claim first."),
        ({"action": "", "claim": [claim.id]}, "Choose what to do with the selected claims."),
        ({"action": "assign", "assignee": "", "claim": [claim.id]}, "Choose whom to assign them to."),
        ({"action": "assign", "assignee": "424242", "claim": [claim.id]}, "There is no active user 424242."),
        ({"action": "tag", "tag": "no/slashes", "claim": [claim.id]}, "letters, digits, spaces and hyphens"),
        ({"action": "duplicate", "duplicate_of": "", "claim": [claim.id]}, "number of the claim they duplicate"),
        ({"action": "duplicate", "duplicate_of": "424242", "claim": [claim.id]}, "There is no claim 424242."),
        ({"action": "reject", "claim": list(range(1, 102))}, "101 claims selected; at most 100 at once"),
    ]:
        response = desk.post("/claims/bulk", dict(form, next="/claims?status=all"))
        assert response.status_code == 302 and response.headers["Location"] == "/claims?status=all", form
        assert message in desk.get("/claims?status=all").get_data(as_text=True), form
    assert claim_row(app, claim.id).status == "submitted"
    with app.app_context():
        assert db.session().scalar(select(Event.id).where(Event.kind != "filed")) is None


def test_the_queue_offers_bulk_selection_in_one_form(desk, make_claim):
    claims = [make_claim(f"claim {i}") for i in range(3)]
    page = desk.get("/claims").get_data(as_text=True)
    form = page[page.index('<form method="post" action="/claims/bulk"'):]
    form = form[:form.index("</form>")]
    assert 'name="csrf_token"' in form
    assert re.findall(r'name="claim" value="(\d+)"', form) == [str(c.id) for c in claims]
    assert 'name="action"' in form and 'name="assignee"' in form and 'name="tag"' in form
    assert 'name="next" value="/claims"' in form


def test_the_assign_menu_offers_the_desk_and_its_writers_not_every_volunteer(desk, make_user, make_claim):
    writer = make_user("volunteer", name="Vani Writer")
    make_user("volunteer", name="Nobody Yet")
    make_user("reviewer", name="Rekha Reviewer")
    make_user("staff", name="Sunil Staff", active=False)
    make_claim("earlier work", assignee=writer, status="researching")
    make_claim("new")
    page = desk.get("/claims").get_data(as_text=True)
    menu = page[page.index('id="bulk-assignee"'):]
    menu = menu[:menu.index("</select>")]
    assert "Vani Writer (volunteer)" in menu and "Rekha Reviewer (reviewer)" in menu
    assert "Ravi Reviewer (reviewer) · me" in menu
    assert "Nobody Yet" not in menu and "Sunil Staff" not in menu


def test_a_bulk_post_needs_its_csrf_token(app, desk, make_claim):
    claim = make_claim()
    response = desk.post("/claims/bulk", {"action": "reject", "claim": [claim.id]}, csrf=False)
    assert response.status_code == 400
    assert claim_row(app, claim.id).status == "submitted"


# -- permissions -----------------------------------------------------------------------------------


def test_volunteers_get_no_queue_no_bulk_and_no_marks(app, browser, api_client, make_user, make_claim):
    volunteer = make_user("volunteer")
    own = make_claim("my own", by=volunteer)
    session = browser(volunteer)
    assert session.get("/claims").status_code == 403
    assert session.get("/claims?assigned=me").status_code == 403
    assert session.post("/claims/bulk", {"action": "reject", "claim": [own.id]}).status_code == 403
    assert session.post(f"/claims/{own.id}/tags", {"tags": "mine"}).status_code == 403
    assert session.post(f"/claims/{own.id}/priority", {"priority": "1"}).status_code == 403
    assert "Priority and tags" not in session.get(f"/claims/{own.id}").get_data(as_text=True)
    api = api_client(volunteer)
    for method, path, body in [
        ("POST", "/api/claims/bulk", {"action": "reject", "claims": [own.id]}),
        ("PUT", f"/api/claims/{own.id}/tags", {"tags": ["mine"]}),
        ("PUT", f"/api/claims/{own.id}/priority", {"priority": True}),
        ("PUT", f"/api/claims/{own.id}/assignee", {"assignee": volunteer.id}),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 403 and response.json["error"] == "forbidden", path
    row = claim_row(app, own.id)
    assert (row.status, row.tag_names, row.priority, row.assignee_id) == ("submitted", [], False, None)


# -- the API ---------------------------------------------------------------------------------------


def test_api_lists_filter_by_tag_priority_and_assignment(api_client, reviewer, queue_claims):
    mine_new, tagged, mine_researching, others = queue_claims
    api = api_client(reviewer)

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/claims?{query}")
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids("assigned=me") == [mine_new.id, mine_researching.id]
    assert ids("assigned=none") == [tagged.id]
    assert ids("priority=true") == [tagged.id]
    assert ids("priority=false&status=researching") == [mine_researching.id, others.id]
    assert ids("tag=ELECTION") == [tagged.id]
    assert ids("status=open&sort=priority")[0] == tagged.id
    assert ids("status=submitted&assigned=me") == [mine_new.id]
    item = api.get("/api/claims?tag=election").json["items"][0]
    assert item["priority"] is True and item["tags"] == ["election"]
    refused = api.get("/api/claims?tag=%F0%9F%99%8F")
    assert refused.status_code == 400 and "tag" in refused.json["fields"]
    assert api.get("/api/claims?assigned=someone").status_code == 400


def test_api_sets_tags_priority_and_assignee(app, api_client, reviewer, make_user, make_claim):
    claim = make_claim()
    writer = make_user("volunteer")
    api = api_client(reviewer)
    response = api.put(f"/api/claims/{claim.id}/tags", json={"tags": ["Health", "#bank", "health"]})
    assert response.status_code == 200 and response.json["tags"] == ["bank", "health"]
    assert [e["kind"] for e in response.json["events"]][-1] == "tags_changed"
    assert api.put(f"/api/claims/{claim.id}/tags", json={"tags": []}).json["tags"] == []
    bad = api.put(f"/api/claims/{claim.id}/tags", json={"tags": ["ok", "not ok!"]})
    assert bad.status_code == 400 and "not ok!" in bad.json["fields"]["tags"]
    eleven = api.put(f"/api/claims/{claim.id}/tags", json={"tags": [f"t{i}" for i in range(11)]})
    assert eleven.status_code == 400 and "tags" in eleven.json["fields"]
    assert api.put(f"/api/claims/{claim.id}/priority", json={"priority": True}).json["priority"] is True
    assert api.put(f"/api/claims/{claim.id}/priority", json={"priority": True}).status_code == 200
    assert len(events_of(app, claim.id, "priority_changed")) == 1, "setting what is already so records nothing"
    assert api.put(f"/api/claims/{claim.id}/assignee", json={"assignee": writer.id}).json["assignee"] == writer.id
    assert api.put(f"/api/claims/{claim.id}/assignee", json={"assignee": None}).json["assignee"] is None
    assert api.put(f"/api/claims/{claim.id}/assignee", json={"assignee": 424242}).status_code == 400
    assert api.put("/api/claims/424242/priority", json={"priority": True}).status_code == 404


def test_api_bulk_reports_each_claim(app, api_client, reviewer, make_claim):
    movable = make_claim("movable")
    published = make_claim("published", status="published")
    api = api_client(reviewer)
    response = api.post("/api/claims/bulk", json={"action": "reject", "claims": [published.id, movable.id, movable.id]})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["done"], body["unchanged"], body["refused"]) == (1, 0, 1)
    results = {r["claim"]: r for r in body["results"]}
    assert list(results) == sorted([movable.id, published.id]), "each claim once, in claim order"
    assert results[movable.id] == {"claim": movable.id, "outcome": "done", "status": "rejected"}
    refusal = results[published.id]
    assert refusal["outcome"] == "refused" and refusal["error"] == "conflict" and refusal["allowed"] == []
    assert refusal["status"] == "published"
    assert claim_row(app, movable.id).status == "rejected"
    again = api.post("/api/claims/bulk", json={"action": "tag", "tag": "Joke", "claims": [movable.id]}).json
    assert again["results"] == [{"claim": movable.id, "outcome": "done", "status": "rejected"}]
    same = api.post("/api/claims/bulk", json={"action": "tag", "tag": "joke", "claims": [movable.id]}).json
    assert same["unchanged"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "reject", "claims": []}, "claims"),
    ({"action": "reject", "claims": list(range(1, 102))}, "claims"),
    ({"action": "reject"}, "claims"),
    ({"action": "archive", "claims": [1]}, "action"),
    ({"action": "assign", "claims": [1]}, "assignee"),
    ({"action": "tag", "claims": [1], "tag": "a/b"}, "tag"),
    ({"action": "duplicate", "claims": [1]}, "duplicate_of"),
    ({"action": "reject", "claims": [0]}, "claims"),
])
def test_api_bulk_refuses_a_wrong_request_whole(api_client, reviewer, make_claim, body, field):
    make_claim()
    response = api_client(reviewer).post("/api/claims/bulk", json=body)
    assert response.status_code == 400 and field in response.json["fields"], response.json


def test_the_new_endpoints_are_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json
    paths = document["paths"]
    assert {"tags", "priority", "assignee"} <= {p.rsplit("/", 1)[1] for p in paths if "{claim_id}" in p
                                                and "put" in paths[p]}
    bulk = paths["/api/claims/bulk"]["post"]
    schema = bulk["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["action", "claims"]
    assert schema["properties"]["claims"]["maxItems"] == 100
    assert set(schema["properties"]["action"]["enum"]) == {"assign", "tag", "priority", "reject", "duplicate"}
    tags = paths["/api/claims/{claim_id}/tags"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert tags["properties"]["tags"]["maxItems"] == 10
    parameters = {p["name"]: p["schema"] for p in paths["/api/claims"]["get"]["parameters"]}
    assert parameters["assigned"]["enum"] == ["me", "none"]
    assert parameters["priority"]["type"] == "boolean"
    assert "tag" in parameters and "open" in parameters["status"]["enum"]


def test_tags_and_priority_travel_in_a_backup(app, config, make_claim, change, tmp_path):
    from factcheck import create_app
    from factcheck.backup import export_backup, import_backup
    from factcheck.migrate import upgrade

    claim = make_claim()
    change(claim, priority=True, tags=("election", "बैंक बंद"))
    with app.app_context():
        manifest = export_backup(db.session(), config.archive_dir, tmp_path / "backup")
    assert manifest["rows"]["claim_tags"] == 2
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    url = f"sqlite:///{fresh / 'restored.db'}"
    upgrade(url)
    restored = create_app(config.replace(instance_dir=fresh, database_url=url, archive_dir=fresh / "archive",
                                         queue_url=f"sqlite:///{fresh / 'queue.db'}"))
    try:
        with restored.app_context():
            import_backup(db.session(), fresh / "archive", tmp_path / "backup")
            db.commit()
            row = db.session().get(Claim, claim.id)
            assert row is not None and row.priority is True and row.tag_names == ["election", "बैंक बंद"]
    finally:
        close_app(restored)
