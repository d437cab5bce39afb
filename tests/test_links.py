"""URL normalisation for sources (SPEC §3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factcheck.claims.links import InvalidURL, domain_of, normalise_url


@pytest.mark.parametrize(("raw", "expected"), [
    ("HTTPS://WWW.Example.COM/Path?Q=1", "https://www.example.com/Path?Q=1"),
    ("http://example.com", "http://example.com/"),
    ("https://example.com/a#section", "https://example.com/a"),
    ("https://example.com/a?utm_source=wa&id=3&UTM_Medium=x&fbclid=1&gclid=2&igshid=3&si=4",
     "https://example.com/a?id=3"),
    ("https://youtu.be/abc?si=tracking&t=42", "https://youtu.be/abc?t=42"),
    ("https://example.com/a?b=1&&c=%20&b=2", "https://example.com/a?b=1&&c=%20&b=2"),
    ("https://User:Pass@Example.com:8443/x", "https://User:Pass@example.com:8443/x"),
    ("  https://example.com/trimmed  ", "https://example.com/trimmed"),
    ("https://[2001:DB8::1]/v6", "https://[2001:db8::1]/v6"),
    ("https://हिंदी.भारत/समाचार", "https://हिंदी.भारत/समाचार"),
])
def test_normalise(raw, expected):
    assert normalise_url(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "file:///etc/passwd",
                                 "data:text/html,<b>", "ftp://example.com/", "https://", "example.com",
                                 "https://exa mple.com", "https://example.com:99999/", "", "http:///path",
                                 "https://example.com/\x00", "https://" + "a" * 2050 + ".com"])
def test_refused(raw):
    with pytest.raises(InvalidURL):
        normalise_url(raw)


def test_domain_drops_www():
    assert domain_of("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert domain_of("https://m.facebook.com/x") == "m.facebook.com"


hosts = st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,20}\.[a-zA-Z]{2,6}", fullmatch=True)
params = st.lists(st.tuples(st.sampled_from(["id", "utm_source", "q", "fbclid", "Si", "page"]),
                            st.from_regex(r"[a-z0-9]{0,5}", fullmatch=True)), max_size=5)


@given(scheme=st.sampled_from(["http", "HTTP", "https", "HtTpS"]), host=hosts,
       path=st.from_regex(r"(/[a-zA-Z0-9._~-]{0,10}){0,3}", fullmatch=True), query=params,
       fragment=st.from_regex(r"[a-z]{0,6}", fullmatch=True))
def test_normalising_is_idempotent_and_drops_only_tracking(scheme, host, path, query, fragment):
    raw = f"{scheme}://{host}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    raw += f"#{fragment}" if fragment else ""
    url = normalise_url(raw)
    assert normalise_url(url) == url
    assert url.startswith(scheme.lower() + "://" + host.lower())
    assert "#" not in url
    kept = [f"{k}={v}" for k, v in query if not (k.lower().startswith("utm_") or k.lower() in
                                                  {"fbclid", "gclid", "igshid", "si"})]
    assert url.partition("?")[2] == "&".join(kept)
