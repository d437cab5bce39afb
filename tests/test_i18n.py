"""The pages in Hindi: chosen by the browser's languages or the language links."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "factcheck" / "translations"


def test_hindi_from_the_browser_language(client):
    page = client.get("/login", headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="hi">' in page
    assert "लॉग इन" in page


def test_the_language_link_wins_over_the_browser(client):
    response = client.get("/language/hi?next=/login")
    assert response.headers["Location"] == "/login"
    assert "लॉग इन" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.get("/language/en?next=https://evil.example/")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    assert client.get("/language/xx?next=//evil.example").headers["Location"] == "/"


def test_the_filing_form_speaks_hindi(browser, make_user):
    session = browser(make_user("volunteer"))
    session.get("/language/hi")
    page = session.get("/claims/new").get_data(as_text=True)
    assert "पोस्ट का पाठ" in page and "दावा दर्ज करें" in page


def test_the_compiled_catalogue_matches_its_source():
    """The committed .mo is the compiled .po (run `make translations` after editing the .po)."""
    folder = TRANSLATIONS / "hi" / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    def entries(catalog) -> dict:
        def key(value):
            return tuple(value) if isinstance(value, list | tuple) else value
        return {(m.context, key(m.id)): key(m.string) for m in catalog if m.id and m.string}

    assert entries(source) == entries(compiled)
    untranslated = [m.id for m in source if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])]
    assert untranslated == []
