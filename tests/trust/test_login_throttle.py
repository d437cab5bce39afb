"""Login throttling that helps: failed logins are limited per address and per account, so many
addresses cannot keep guessing one password, while people sharing a carrier address who type
their password right are never held up; the 429 page says when to try again."""

from __future__ import annotations

from tests.conftest import PASSWORD, Browser


def from_address(app, address: str) -> Browser:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Browser(client)


def test_many_addresses_cannot_keep_guessing_one_password(app, make_user):
    victim = make_user("reviewer")
    statuses = [from_address(app, f"10.0.{n // 250}.{n % 250 + 1}").login(victim.email, f"guess {n}").status_code
                for n in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    # Locked for the account, from a new address, even with the right password, for now.
    locked = from_address(app, "192.0.2.77").login(victim.email, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 60
    # Another account is not affected.
    other = make_user("volunteer")
    assert from_address(app, "192.0.2.78").login(other.email, PASSWORD).status_code == 302


def test_people_behind_one_carrier_address_log_in_with_the_right_password(app, make_user):
    shared = "100.64.1.1"
    guesser = from_address(app, shared)
    stranger = make_user("volunteer")
    for n in range(9):
        assert guesser.login(stranger.email, f"wrong {n}").status_code == 401
    for _ in range(15):  # far more successful logins than the failure limit
        user = make_user("volunteer")
        assert from_address(app, shared).login(user.email, PASSWORD).status_code == 302


def test_failures_from_one_address_are_limited_and_the_page_says_when(app, make_user):
    session = from_address(app, "198.51.100.9")
    statuses = []
    for n in range(11):
        user = make_user("volunteer")
        statuses.append(session.login(user.email, f"wrong {n}").status_code)
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    refused = session.login(make_user("volunteer").email, PASSWORD)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many attempts" in page and "try again in" in page.lower()
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_the_429_page_is_in_the_users_language(app, make_user):
    session = from_address(app, "198.51.100.10")
    session.client.set_cookie("lang", "hi")
    user = make_user("volunteer")
    for n in range(10):
        session.login(user.email, f"wrong {n}")
    refused = session.login(user.email, "wrong again")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert 'lang="hi"' in page
    assert "बहुत ज़्यादा कोशिशें" in page and "मिनट बाद फिर कोशिश करें" in page
    assert "Too many attempts" not in page
