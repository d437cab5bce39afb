"""Follow and notify in the app: who is told, once; the inbox and its unread count; rejections
with their note; corrections; following; the volunteer's own page; "seen before" that stays."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factcheck import db
from factcheck.audit import Event
from factcheck.claims.models import Claim
from factcheck.notify import operations
from factcheck.notify.models import Follow, Kind, Match, Notification
from tests.conftest import recorded_statements, tables_read


def unread_badge(page: str) -> str | None:
    found = re.search(r'class="badge unread-count"[^>]*>(\d+)<', page)
    return found.group(1) if found else None


def test_publishing_tells_the_filer_the_filers_of_its_duplicates_and_followers_once(
        app, make_user, make_claim, approved, move, told, desk, browser):
    filers = [make_user("volunteer") for _ in range(4)]
    original = approved(by=filers[0])
    duplicates = [make_claim(f"सभी बैंक 10 दिन बंद रहेंगे {n}", by=filers[n], status="duplicate",
                             duplicate_of=original.id) for n in (1, 2, 3)]
    follower = make_user("reviewer")
    assert browser(follower).post(f"/claims/{duplicates[0].id}/follow").status_code == 302

    move(original.id, "published")

    expected = sorted([(user.id, original.id, "published") for user in (*filers, follower)])
    assert told() == expected  # the publisher, who did it, is not told
    with app.app_context():
        session = db.session()
        event = session.scalars(select(Event).where(Event.claim_id == original.id,
                                                    Event.to_status == "published")).one()
        claim = session.get(Claim, original.id)
        # Run again (a retried request, a receiver connected twice): nobody is told twice...
        assert operations.notify(claim, Kind.PUBLISHED, event, None) == 0
        db.commit()
        # ...and the database itself refuses a second row for one person and one event.
        session.add(Notification(user_id=filers[0].id, claim_id=original.id, event_id=event.id, kind="published"))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    assert told() == expected


def test_the_inbox_counts_unread_shows_the_verdict_and_a_share_link_and_marks_read(
        app, make_user, approved, move, browser):
    filer = make_user("volunteer", locale="hi")
    claim = approved(by=filer)
    page = browser(filer)
    assert unread_badge(page.get("/").get_data(as_text=True)) is None
    move(claim.id, "published")

    home = page.get("/claims/new").get_data(as_text=True)
    assert unread_badge(home) == "1"
    inbox = page.get("/notifications").get_data(as_text=True)
    assert "गलत" in inbox  # the verdict, in the reader's language
    assert "बैंक 10 दिन बंद नहीं रहेंगे" in inbox
    assert "https://factcheck.example.org/fact-checks/" in inbox
    [share] = re.findall(r'href="(https://wa\.me/\?text=[^"]+)"', inbox)
    text = unquote(share.removeprefix("https://wa.me/?text="))
    assert text.startswith("फ़ैक्ट-चेक: गलत") and "https://factcheck.example.org/fact-checks/" in text
    with app.app_context():
        [notification_id] = db.session().scalars(select(Notification.id))
    # Someone else's notification cannot be marked read by its id; a malformed id is a 404.
    other = browser(make_user("volunteer"))
    other.post("/notifications/read", {"id": str(notification_id)})
    assert unread_badge(page.get("/notifications").get_data(as_text=True)) == "1"
    assert other.post("/notifications/read", {"id": "abc"}).status_code == 404
    assert page.post("/notifications/read", {"id": str(notification_id)}).status_code == 302
    assert unread_badge(page.get("/notifications").get_data(as_text=True)) is None


def test_mark_all_read_and_the_api_inbox(app, make_user, approved, move, api_client, browser):
    filer = make_user("volunteer")
    for _ in range(2):
        move(approved(by=filer).id, "published")
    api = api_client(filer)
    listed = api.get("/api/notifications").json
    assert listed["total"] == 2 and listed["unread"] == 2
    item = listed["items"][0]
    assert item["kind"] == "published" and item["verdict"] == "False" and item["whatsapp"].startswith("https://wa.me/?text=")
    assert api.post("/api/notifications/read", json={}).json == {"marked": 2, "unread": 0}
    assert unread_badge(browser(filer).get("/notifications").get_data(as_text=True)) is None


def test_a_rejection_tells_the_filer_with_the_note(app, make_user, make_claim, move, browser, told):
    filer = make_user("volunteer")
    claim = make_claim("Drinking hot water cures every virus", by=filer)
    move(claim.id, "rejected", note="Satire: the page says so at the bottom.")
    assert told() == [(filer.id, claim.id, "rejected")]
    inbox = browser(filer).get("/notifications").get_data(as_text=True)
    assert f"Claim #{claim.id} will not be fact-checked" in inbox
    assert "Satire: the page says so at the bottom." in inbox
    assert "wa.me" not in inbox


def test_a_correction_tells_everyone_again(app, make_user, approved, move, api_client, desk, told, hoax_url):
    filer = make_user("volunteer")
    claim = approved(by=filer)
    move(claim.id, "published")
    with app.app_context():
        snapshot_id = db.session().get(Claim, claim.id).sources[0].snapshots[0].id
    corrected = api_client(desk["reviewer"]).put(f"/api/claims/{claim.id}/rebuttal", json={
        "headline": "बैंक 10 दिन बंद नहीं रहेंगे", "summary": "The message is false; RBI lists two holidays.",
        "body": "Corrected.", "verdict": "False", "sources": [{"snapshot_id": snapshot_id}],
        "correction_note": "The number of holidays was wrong."})
    assert corrected.status_code == 200, corrected.json
    assert told() == [(filer.id, claim.id, "published"), (filer.id, claim.id, "corrected")]


def test_follow_and_unfollow_from_the_claim_page_and_the_api(app, make_user, make_claim, browser, api_client):
    reviewer = make_user("reviewer")
    claim = make_claim("Forwarded: a new coin is coming")
    page = browser(reviewer)
    shown = page.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert f'action="/claims/{claim.id}/follow"' in shown
    assert page.post(f"/claims/{claim.id}/follow", csrf=False).status_code == 400  # CSRF is required
    assert page.post(f"/claims/{claim.id}/follow").status_code == 302
    shown = page.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert f'action="/claims/{claim.id}/unfollow"' in shown
    with app.app_context():
        assert db.session().get(Follow, (reviewer.id, claim.id)) is not None
    assert page.post(f"/claims/{claim.id}/unfollow").status_code == 302
    with app.app_context():
        assert db.session().get(Follow, (reviewer.id, claim.id)) is None
    api = api_client(reviewer)
    followed = api.put(f"/api/claims/{claim.id}/follow", json={"follow": True}).json
    assert followed == {"claim_id": claim.id, "following": True}
    assert api.get(f"/api/claims/{claim.id}").json["following"] is True
    assert api.put(f"/api/claims/{claim.id}/follow", json={"follow": False}).json["following"] is False
    # A volunteer may not follow a claim they may not see (nor learn that it exists).
    outsider = api_client(make_user("volunteer"))
    assert outsider.put(f"/api/claims/{claim.id}/follow", json={"follow": True}).status_code == 404
    # The filer is told anyway: no button for them.
    assert 'id="follow"' not in browser_for_filer(app, browser, claim).get(f"/claims/{claim.id}").get_data(as_text=True)


def browser_for_filer(app, browser, claim):
    with app.app_context():
        return browser(db.session().get(Claim, claim.id).submitted_by)


def test_my_page_shows_outcomes_share_links_and_figures(app, make_user, make_claim, approved, move, browser):
    me = make_user("volunteer")
    mine = approved(by=me)
    waiting = make_claim("Onions will cost 500 rupees a kilo", by=me)
    later = [make_claim(f"सभी बैंक 10 दिन बंद रहेंगे ({n})", by=make_user("volunteer"), status="duplicate",
                        duplicate_of=mine.id) for n in range(2)]
    make_claim("सभी बैंक 10 दिन बंद रहेंगे (again)", by=me, status="duplicate", duplicate_of=mine.id)
    move(mine.id, "published")
    page = browser(me).get("/me").get_data(as_text=True)
    assert re.search(r'class="figure-filed">3<', page)
    assert re.search(r'class="figure-published">2<', page)  # its own, and the duplicate of it
    assert re.search(r'class="figure-after">2<', page)  # the two others, not me again
    order = [int(i) for i in re.findall(r'class="card my-claim" data-claim-id="(\d+)"', page)]
    assert order == sorted(order, reverse=True) and waiting.id in order and later[0].id not in order
    assert page.count("https://wa.me/?text=") == 2
    assert "/me" in browser(me).get("/notifications").get_data(as_text=True)


def test_what_was_seen_at_filing_stays_on_the_claim_page(app, make_user, make_claim, approved, move, browser,
                                                          run_jobs, hoax_url, desk, api_client):
    first_filer, second_filer = make_user("volunteer"), make_user("volunteer")
    first = approved(by=first_filer)
    move(first.id, "published")
    run_jobs()
    second = make_claim("Banks closed for ten days, forward to all", urls=(hoax_url,), by=second_filer)
    run_jobs()
    later = make_claim("Banks shut 10 days!!", urls=(hoax_url,), by=make_user("volunteer"))
    run_jobs()
    with app.app_context():
        kept = db.session().execute(select(Match.claim_id, Match.matched_claim_id, Match.reason)
                                    .where(Match.claim_id == second.id)).all()
    assert [(c, m, r) for c, m, r in kept] == [(second.id, first.id, "url")]  # not the one filed after it
    page = browser(second_filer).get(f"/claims/{second.id}").get_data(as_text=True)
    panel = page.split('id="seen-at-filing"')[1].split("</section>")[0]
    assert f"#{first.id}" in panel and f"#{later.id}" not in panel
    assert "बैंक 10 दिन बंद नहीं रहेंगे" in panel  # the fact-check it matched
    assert "सभी बैंक 10 दिन बंद रहेंगे" not in panel  # never another volunteer's claim text
    desk_page = browser(desk["reviewer"]).get(f"/claims/{second.id}").get_data(as_text=True)
    assert "सभी बैंक 10 दिन बंद रहेंगे" in desk_page.split('id="seen-at-filing"')[1].split("</section>")[0]
    detail = api_client(second_filer).get(f"/api/claims/{second.id}").json
    assert [(m["id"], m["reason"], m["text"]) for m in detail["seen_at_filing"]] == [(first.id, "url", None)]
    assert detail["seen_at_filing"][0]["fact_check"].startswith("https://factcheck.example.org/fact-checks/")
    # Recording runs once per claim: a re-run keeps nothing more.
    from factcheck.notify.seen_before import record_matches
    with app.app_context():
        assert record_matches(second.id) == 0


def test_a_similar_text_seen_at_filing_stays_on_the_claim_page(app, make_user, make_claim, approved, move, browser,
                                                               run_jobs, desk, api_client):
    """A forward typed again, with no link in common, is matched by its text: the matches are kept
    at filing and shown on the claim page, to its filer without another volunteer's words."""
    earlier_words = "All banks will stay shut for ten days from Monday, says an RBI order. Forward to everyone"
    debunked_words = "All banks will stay closed for ten days from Monday by RBI order, forward this"
    earlier = make_claim(earlier_words, by=make_user("volunteer"))
    debunked = approved(by=make_user("volunteer"), text=debunked_words)  # filed with a link; mine has none
    move(debunked.id, "published")
    run_jobs()
    filer = make_user("volunteer")
    mine = make_claim("Forwarded as received: all banks will stay shut for ten days from Monday, says an RBI order",
                      by=filer)
    run_jobs()
    with app.app_context():
        kept = db.session().execute(select(Match.matched_claim_id, Match.reason)
                                    .where(Match.claim_id == mine.id)).all()
    assert sorted(kept) == sorted([(earlier.id, "text"), (debunked.id, "text")])

    page = browser(filer).get(f"/claims/{mine.id}").get_data(as_text=True)
    panel = page.split('id="seen-at-filing"')[1].split("</section>")[0]
    assert f"#{earlier.id}" in panel and f"#{debunked.id}" in panel
    assert "बैंक 10 दिन बंद नहीं रहेंगे" in panel  # the fact-check it matched, with its link
    assert earlier_words not in panel and debunked_words not in panel  # never another volunteer's text
    detail = api_client(filer).get(f"/api/claims/{mine.id}").json
    assert sorted((m["id"], m["text"], m["fact_check"] is not None) for m in detail["seen_at_filing"]) == sorted(
        [(earlier.id, None, False), (debunked.id, None, True)])

    desk_panel = browser(desk["reviewer"]).get(f"/claims/{mine.id}").get_data(as_text=True)
    desk_panel = desk_panel.split('id="seen-at-filing"')[1].split("</section>")[0]
    assert earlier_words in desk_panel and debunked_words in desk_panel  # reviewers read both


def test_a_claim_read_loads_its_matches_together_not_one_by_one(
        app, make_user, make_claim, approved, move, run_jobs, api_client, desk):
    """A claim page is read far more often than filed: the claims it matched and their
    rebuttals come in one query each, not two more round trips per match."""
    words = "All banks will stay shut for ten days from Monday, says an RBI order. Forward to everyone"
    debunked = approved(by=make_user("volunteer"), text=words)
    move(debunked.id, "published")
    for n in range(3):
        make_claim(f"{words} {n}", by=make_user("volunteer"))
    run_jobs()
    filer = make_user("volunteer")
    mine = make_claim(f"Forwarded as received: {words}", by=filer)
    run_jobs()
    api = api_client(filer)
    api.get(f"/api/claims/{mine.id}")  # whatever runs once per process is done
    with recorded_statements(app) as statements:
        seen = api.get(f"/api/claims/{mine.id}").json["seen_at_filing"]
    assert len(seen) == 4 and sum(1 for m in seen if m["fact_check"]) == 1
    reads = tables_read(statements)
    assert reads.count("rebuttals") <= 1 and reads.count("claims") <= 3, reads


def test_a_hoax_filed_after_its_debunk_gets_the_debunk_when_marked_a_duplicate(
        app, make_user, make_claim, approved, move, told, browser):
    first, late = make_user("volunteer"), make_user("volunteer")
    original = approved(by=first)
    move(original.id, "published")
    again = make_claim("सभी बैंक 10 दिन बंद रहेंगे!!", by=late)
    move(again.id, "duplicate", duplicate_of=original.id)
    assert told() == [(first.id, original.id, "published"), (late.id, original.id, "published")]
    inbox = browser(late).get("/notifications").get_data(as_text=True)
    assert "https://wa.me/?text=" in inbox and "बैंक 10 दिन बंद नहीं रहेंगे" in inbox
