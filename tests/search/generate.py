"""Search documents made up in the test, Hindi and English, independent of the shared corpus.

Words are drawn from small vocabularies with a Zipf-like skew, so a few words are in most
documents (posting lists of several blocks) and many in few; documents mix scripts, repeat
words (term frequencies above one), vary in length (BM25's length normalisation matters), and
carry every facet, owners and assignees (visibility), with a few lacking a date.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

ENGLISH = (
    "vaccine hoax flood video government farmers police election water rally photo old fake news "
    "viral message minister bank closed ten days money withdraw notice order school exam cancelled "
    "army border soldiers attack temple mosque riot curfew lockdown covid cure garlic doctor hospital "
    "oxygen shortage salary pension scheme free laptop students girls boys protest strike running "
    "runs runner ran petrol price hike tax"
).split()
HINDI = (
    "मोदी कांग्रेस सरकार भारत चुनाव वीडियो किसान पुलिस झूठ खबर मजबूत बैंक बंद दिन पैसा निकाल आदेश "
    "स्कूल परीक्षा रद्द सेना सीमा सैनिक हमला मंदिर मस्जिद दंगा कर्फ्यू लॉकडाउन कोरोना इलाज लहसुन "
    "डॉक्टर अस्पताल ऑक्सीजन कमी वेतन पेंशन योजना मुफ्त लैपटॉप छात्र लड़कियां विरोध हड़ताल पेट्रोल "
    "दाम टैक्स नेता रैली फोटो पुराना वायरल संदेश मंत्री"
).split()
STOPS = "the of and is in to के का की में है और".split()
KINDS = ("claim", "claim", "claim", "factcheck", "snapshot")
STATUSES = ("submitted", "researching", "in_review", "approved", "published", "rejected", "duplicate")
VERDICTS = ("False", "Misleading", "Partly false", "Missing context", "Unproven", "True")
PLATFORMS = ("whatsapp", "facebook", "x", "youtube", "telegram", "web")
DOMAINS = ("news.example", "hoax.example", "खबर.example", "archive.example")
OWNERS = range(1, 7)


def zipf_choice(rng: random.Random, words: list[str]) -> str:
    """A word, the first ones far likelier than the last."""
    return words[min(len(words) - 1, int(rng.paretovariate(1.1)) - 1)]


def text(rng: random.Random, size: int) -> str:
    """Words in one script or both, with stop words and punctuation."""
    mix = rng.random()
    out = []
    for _ in range(size):
        pick = rng.random()
        if pick < 0.08:
            out.append(rng.choice(STOPS))
        else:
            hindi = pick < mix
            word = zipf_choice(rng, HINDI if hindi else ENGLISH)
            out.append(word.capitalize() if not hindi and rng.random() < 0.1 else word)
        if rng.random() < 0.05:
            out[-1] += rng.choice([",", ".", "!", "।"])
    return " ".join(out)


def document(rng: random.Random, doc_id: int, kind: str | None = None) -> dict:
    """One document dict as the index takes it (see factcheck.search.schema)."""
    kind = kind or rng.choice(KINDS)
    doc: dict = {
        "kind": kind, "id": doc_id, "body": text(rng, rng.choice([3, 8, 15, 30, 60, 120])),
        "status": rng.choice(STATUSES), "language": rng.choice(["hi", "en", "hi", ""]),
        "platform": rng.choice(PLATFORMS),
    }
    if rng.random() < 0.95:
        doc["date"] = dt.datetime(2023, 1, 1) + dt.timedelta(minutes=rng.randrange(800 * 24 * 60))
    if kind == "claim":
        doc["owner_id"] = rng.choice(OWNERS)
        if rng.random() < 0.2:
            doc["assignee_id"] = rng.choice(OWNERS)
        if rng.random() < 0.3:
            doc["domain"] = rng.choice(DOMAINS)
    elif kind == "factcheck":
        doc.update(title=text(rng, rng.randint(3, 9)), summary=text(rng, 10), claim_text=text(rng, 12),
                   verdict=rng.choice(VERDICTS), claim_id=doc_id)
        if rng.random() < 0.6:
            doc["status"] = "published"
    else:
        domain = rng.choice(DOMAINS)
        doc.update(title=text(rng, rng.randint(2, 8)), url=f"https://{domain}/{doc_id}", domain=domain,
                   claim_id=rng.randrange(1, 1000))
        doc.pop("status")
    return doc


def documents(count: int, seed: int = 1) -> list[dict]:
    """``count`` documents with ids 1..count."""
    rng = random.Random(seed)
    return [document(rng, n) for n in range(1, count + 1)]


def key(doc: dict) -> str:
    return f"{doc['kind']}:{doc['id']}"


def commits(docs: list[dict], count: int, seed: int = 2) -> Iterator[tuple[list[dict], list[str]]]:
    """``count`` commits, each rewriting some documents (text, status, owner, kind), adding new
    ones and deleting others: what (updated documents, deleted keys) each commit holds."""
    rng = random.Random(seed)
    live = {key(d): d for d in docs}
    next_id = max(d["id"] for d in docs) + 1
    for _ in range(count):
        changed = []
        for old in rng.sample(sorted(live.values(), key=key), min(len(live), rng.randint(5, 60))):
            new = document(rng, old["id"], old["kind"])
            changed.append(new)
        for _ in range(rng.randint(0, 20)):
            changed.append(document(rng, next_id))
            next_id += 1
        deleted = [key(d) for d in rng.sample(sorted(live.values(), key=key), min(len(live), rng.randint(0, 15)))]
        for doc in changed:
            live[key(doc)] = doc
        for gone in deleted:
            live.pop(gone, None)
        changed = [d for d in changed if key(d) not in deleted]
        yield changed, deleted
