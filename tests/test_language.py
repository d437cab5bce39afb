"""The language guessed for claims filed without one."""

from __future__ import annotations

import pytest

from factcheck.claims.language import guess_language


@pytest.mark.parametrize(("text", "language"), [
    ("The moon is made of cheese", "en"),
    ("कल से सभी बैंक बंद रहेंगे", "hi"),
    ("*Forwarded as received* सभी बैंक 10 दिन बंद रहेंगे 🙏 please share", "hi"),
    ("আগামীকাল থেকে ব্যাংক বন্ধ থাকবে", "bn"),
    ("ગુજરાતમાં વરસાદની આગાહી", "gu"),
    ("Breaking news: all banks closed from tomorrow, says viral message with one word बंद", "en"),
    ("12345 🙏🙏", None),
    ("", None),
])
def test_guess_language(text, language):
    assert guess_language(text) == language
