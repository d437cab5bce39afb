"""Bounded work (issue 9): the most one drafter or one uploader can make a single request cost.

Run on demand: .venv/bin/python bench/bounded.py [--runs 5] [--peer-seconds 5] [--skip-peers]

Every figure is the median and the max of --runs runs of the same work, each run cold where a cache
exists (share-card text measurements are cleared; the Markdown parser is built once per process,
as in the app). Peers run in a child process that is stopped after --peer-seconds; where a peer
cannot finish the full input, it is also timed on smaller inputs and its time extrapolated to the
full size with the power law fitted to them (the output says which figures are measured and which
are extrapolated).

- Diff: the worst pairs of 100,000-character rebuttal bodies for each algorithm: ``revision_diff``
  (every field), then the whole revisions page (view and template, on a throwaway SQLite app).
  Peer: ``difflib.ndiff``, the previous diff, on the same lines. It also computes intra-line hints
  that the new diff does not, but its page showed only whole lines, as the new one does.
- Markdown: ``render_markdown`` (parse, render, sanitise) of 75 pathological inputs of up to 100,000
  characters, all timed once, the slowest ten then --runs times. Peer: the previous renderer (the
  same markdown-it and nh3 settings, without the table, reference and nesting bounds) on the
  inputs whose output it multiplies.
- Screenshots: ``verify_screenshot`` of decompression bombs (canvas, frames, progressive scans) and
  of the largest ordinary screenshot allowed. Peer: the previous ``verify_screenshot`` (kept below,
  run with Pillow's default limits as it was).
- Share cards: ``render_share_card`` of the longest and nastiest headlines and site names.
"""

from __future__ import annotations

import argparse
import atexit
import difflib
import io
import math
import multiprocessing
import os
import random
import shutil
import statistics
import struct
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, UnidentifiedImageError  # noqa: E402

from factcheck.publish.operations import MAX_BODY  # noqa: E402
from tests.httpserver import stay_on_loopback  # noqa: E402
from tests.images import with_scans  # noqa: E402

# -- measuring -------------------------------------------------------------------------------------


def timed(work: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> tuple[float, float]:
    """Median and max seconds of ``runs`` runs of ``work`` (``before`` runs untimed before each)."""
    seconds = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds)


def _child(target: str, args: tuple[Any, ...], pipe: Any) -> None:
    function = globals()[target]
    pipe.send("started")
    start = time.perf_counter()
    result = function(*args)
    pipe.send((time.perf_counter() - start, result))


def peer_run(target: str, args: tuple[Any, ...], deadline: float) -> tuple[float | None, Any]:
    """Seconds ``target(*args)`` takes in a child process and what it returned, or (None, None)
    when it is stopped ``deadline`` seconds after it started."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(target, args, send))
    process.start()
    try:
        if not receive.poll(120) or receive.recv() != "started":  # start-up is not part of the time
            return None, None
        if receive.poll(deadline):
            seconds, result = receive.recv()
            return float(seconds), result
        return None, None
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def peer_seconds(target: str, args: tuple[Any, ...], deadline: float) -> float | None:
    return peer_run(target, args, deadline)[0]


def extrapolated(sizes: list[int], seconds: list[float], size: int) -> tuple[float, float]:
    """The time at ``size`` of the power law t = c·n^k fitted to (sizes, seconds); and k."""
    xs, ys = [math.log(n) for n in sizes], [math.log(max(t, 1e-6)) for t in seconds]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs)
    return math.exp(mean_y + slope * (math.log(size) - mean_x)), slope


def row(label: str, figures: tuple[float, float], note: str = "") -> None:
    median, worst = figures
    print(f"  {label:44} median {median * 1000:9.1f} ms   max {worst * 1000:9.1f} ms  {note}")


def peer_row(label: str, seconds: float | None, deadline: float, note: str = "") -> None:
    shown = f"{seconds * 1000:9.1f} ms" if seconds is not None else f"> {deadline:.0f} s (stopped)"
    print(f"  {label:44} peer {shown:>21}  {note}")


# -- the diff --------------------------------------------------------------------------------------


def noisy_lines(count: int, seed: int = 1, width: int = 60) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice("abcdefghij ") for _ in range(width)) for _ in range(count)]


def worst_diffs() -> dict[str, tuple[list[str], list[str]]]:
    """Pairs of bodies of at most MAX_BODY characters, by what they defeat."""
    slight = noisy_lines(MAX_BODY // 61)
    numbered = [f"line {i:05d}" for i in range(MAX_BODY // 11)]
    two = [[rnd.choice("ab") for _ in range(20_000)] for rnd in (random.Random(4), random.Random(5))]
    pairs = {
        "slightly different lines (ndiff's worst)": (slight, [line[:-1] + "Z" for line in slight]),
        "every line, reversed": (numbered, numbered[::-1]),
        "2,000 lines, shuffled": (numbered[:2000], random.Random(3).sample(numbered[:2000], 2000)),
        "20,000 lines of two symbols": (two[0], two[1]),
        "one line changed in 9,000": (numbered, numbered[:4500] + ["changed"] + numbered[4501:]),
    }
    for name, (before, after) in pairs.items():
        assert max(len("\n".join(before)), len("\n".join(after))) <= MAX_BODY, name
    return pairs


def ndiff_lines(before: list[str], after: list[str]) -> int:
    return sum(1 for entry in difflib.ndiff(before, after) if not entry.startswith("?"))


def revision(body: str) -> Any:
    from factcheck.publish.models import Revision

    return Revision(headline="Headline", summary="Summary", body=body, verdict="False")


def bench_diff(runs: int, deadline: float, peers: bool) -> None:
    from factcheck.publish.diff import MAX_WORK, diff_lines, revision_diff

    print(f"Revision diff: bodies of at most {MAX_BODY:,} characters (work budget {MAX_WORK:,} steps)")
    pairs = worst_diffs()
    slowest = ("", 0.0)
    for name, (before, after) in pairs.items():
        old, new = revision("\n".join(before)), revision("\n".join(after))
        result = diff_lines(before, after)
        figures = timed(lambda old=old, new=new: revision_diff(old, new), runs)
        outcome = "too large to compare" if result.lines is None else f"{len(result.lines):,} lines shown"
        row(name, figures, f"{len(before):,} → {len(after):,} lines: {outcome}")
        if figures[1] > slowest[1]:
            slowest = (name, figures[1])
    page = page_timer(*pairs[slowest[0]])
    row(f"whole revisions page, {slowest[0]}", timed(page, runs), "(view and template)")
    if not peers:
        return
    print("  peer: difflib.ndiff on the same lines")
    for name in ("slightly different lines (ndiff's worst)", "2,000 lines, shuffled"):
        before, after = pairs[name]
        peer_row(name, peer_seconds("ndiff_lines", (before, after), deadline), deadline, "measured")
    before, after = pairs["slightly different lines (ndiff's worst)"]
    finished = {n: peer_seconds("ndiff_lines", (before[:n], after[:n]), deadline) for n in (25, 50, 100)}
    sizes = [n for n, t in finished.items() if t is not None]
    seconds = [finished[n] for n in sizes]
    if len(sizes) < 2:
        print("  ndiff: too slow to time even on 80 lines")
        return
    estimate, power = extrapolated(sizes, seconds, len(before))
    print(f"  {'slightly different lines, extrapolated':44} peer {estimate:13,.0f} s       "
          f"from {', '.join(f'{n} lines {t:.2f} s' for n, t in zip(sizes, seconds, strict=True))}: "
          f"t ∝ n^{power:.1f}, at {len(before):,} lines")


def page_timer(before: list[str], after: list[str]) -> Callable[[], Any]:
    """A function rendering the revisions page of a claim whose drafts are ``before`` then ``after``
    (a throwaway app on SQLite, the reviewer logged in for the request)."""
    from factcheck import create_app, db
    from factcheck.accounts.models import User
    from factcheck.accounts.sessions import start_session
    from factcheck.claims import operations as claims
    from factcheck.config import Config
    from factcheck.migrate import upgrade
    from factcheck.publish import operations as publish
    from factcheck.publish import views

    folder = Path(tempfile.mkdtemp(prefix="bench-bounded-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = f"sqlite:///{folder / 'factcheck.db'}"
    upgrade(url)
    app = create_app(Config(instance_dir=folder, database_url=url, index_dir=folder / "index",
                            archive_dir=folder / "archive", queue_url=f"sqlite:///{folder / 'queue.db'}",
                            secret_key="bench", public_url="http://127.0.0.1:5000", testing=True))
    with app.test_request_context():
        session = db.session()
        writer = User(email="writer@example.org", role="reviewer", password_hash="-", name="Writer")
        reviewer = User(email="reviewer@example.org", role="reviewer", password_hash="-", name="Rita")
        session.add_all([writer, reviewer])
        session.flush()
        claim = claims.file_claim(writer, claims.ClaimInput(text="the claim", urls=("https://example.org/x",),
                                  platform="whatsapp"), app.extensions["factcheck.archive"].blobs)
        claim.status = "researching"
        session.flush()
        snapshot = claim.sources[0].snapshots[0].id
        for body in ("\n".join(before), "\n".join(after)):
            publish.save_draft(writer, claim, publish.DraftInput(
                headline="Headline", summary="Summary", body=body, verdict="False", snapshot_ids=(snapshot,)))
        db.commit()
        claim_id, reviewer_id = claim.id, reviewer.id

    def render() -> str:
        with app.test_request_context(f"/claims/{claim_id}/rebuttal/revisions?from=1&to=2"):
            start_session(db.session().get(User, reviewer_id))
            html = views.revisions(claim_id)
            assert "Changes from revision 1 to 2" in html
            return html

    return render


# -- Markdown --------------------------------------------------------------------------------------


def fill(unit: str, head: str = "", tail: str = "") -> str:
    return head + unit * ((MAX_BODY - len(head) - len(tail)) // len(unit)) + tail


def nested(opening: str, middle: str, closing: str) -> str:
    count = (MAX_BODY - len(middle)) // (len(opening) + len(closing))
    return opening * count + middle + closing * count


def many_tables(columns: int, rows: int, size: int = MAX_BODY) -> str:
    table = "|".join("a" * columns) + "\n" + "|".join("-" * columns) + "\n" + "x\n" * rows + "\n"
    return table * (size // len(table))


def reference_flood(size: int = MAX_BODY) -> str:
    definition = "[a]: https://example.org/" + "x" * (size // 3) + "\n\n"
    return definition + "[a]" * ((size - len(definition)) // 3)


def markdown_inputs() -> dict[str, str]:
    """CommonMark's pathological inputs (cmark test/pathological_tests.py) and more shapes."""
    return {
        "nested strong emphasis": nested("*a **a ", "b", " a** a*"),
        "emphasis closers without openers": fill("a_ "),
        "emphasis openers without closers": fill("_a "),
        "star openers without closers": fill("*a "),
        "link closers without openers": fill("a]"),
        "link openers without closers": fill("[a"),
        "mismatched openers and closers": fill("*a_ "),
        "openers and closers multiple of 3": fill("c* ", head="a**b"),
        "link openers and emphasis closers": fill("[ a_"),
        "[ (]( repeated": fill("[ (]("),
        "![[]() repeated": fill("![[]()"),
        "nested brackets": nested("[", "a", "]"),
        "nested brackets and links": nested("[", "a", "](b)"),
        "nested block quotes": fill("> ", tail="a"),
        "block quote lines": fill(">\n", tail="a"),
        "growing block quote lines": "".join(">" * i + " a\n" for i in range(1, 440)),
        "deeply nested lists": "".join("  " * i + "* a\n" for i in range(310)),
        "one-line nested lists": fill("- ", tail="a"),
        "one-line nested ordered lists": fill("1. ", tail="a"),
        "NUL characters": fill("abc\u0000de\u0000"),
        "growing backtick runs": "".join("e" + "`" * i for i in range(1, 445)),
        "backtick runs": fill("`a``"),
        "unclosed links A": fill("[a](<b"),
        "unclosed links B": fill("[a](b"),
        "unclosed link titles": fill('[a](b "'),
        "unclosed comments": fill("<!--", head="</"),
        "many <": fill("<"),
        "many <a": fill("<a"),
        "autolink starts": fill("<http:"),
        "* run": "*" * MAX_BODY,
        "_ run": "_" * MAX_BODY,
        "[ run": "[" * MAX_BODY,
        "]( run": "](" * (MAX_BODY // 2),
        "backtick run": "`" * MAX_BODY,
        "~ run": "~" * MAX_BODY,
        "~~ openers": fill("~~a "),
        "&# runs": fill("&#"),
        "entities": fill("&amp;"),
        "hex entity starts": fill("&#x"),
        "backslashes": "\\" * MAX_BODY,
        "7,000 link reference definitions": "".join(f"[a{i}]: u\n" for i in range(7000))
        + "".join(f"[a{i}]" for i in range(3000)),
        "one label defined again and again": fill("[a]: u\n"),
        "999-character labels": fill("[" + "a" * 998 + "] ", head="[" + "a" * 998 + "]: u\n"),
        "unresolved reference uses": fill("[x][y]"),
        "reference flood": reference_flood(),
        "table, 16,000 columns": "|" + "a|" * 16000 + "\n|" + "-|" * 16000 + "\n" + "x\n" * 2000,
        "table, one column, 25,000 rows": fill("|x|\n", head="|a|\n|-|\n"),
        "tables of 64 columns filled row by row": many_tables(64, 300),
        "tables of 10 columns filled row by row": many_tables(10, 5000),
        "table cells of escaped pipes": fill("\\|", head="|a|b|\n|-|-|\n"),
        "table cells of backticks": fill("|`", head="|a|b|\n|-|-|\n"),
        "setext headings": fill("a\n=\n"),
        "ATX headings": fill("# a\n"),
        "unclosed fences": fill("```\n"),
        "indented code": fill("    a\n"),
        "thematic breaks": fill("***\n"),
        "nested emphasis": nested("*", "a", "*"),
        "nested strong emphasis only": nested("**", "a", "**"),
        "nested strikethrough": nested("~~", "a", "~~"),
        "links in links": nested("[a ", "b", "](c)"),
        "nested images": nested("![", "a", "](b)"),
        "hard breaks": fill("a  \n"),
        "*_ alternation": fill("*_"),
        "list items": fill("- a\n"),
        "list items with lazy lines": fill("- a\nb\n"),
        "block quotes of lists": fill("> - "),
        "one long tag": "<a " + "b=c " * 24000,
        "nested link destinations": nested("[a](", "b", ")"),
        "a ( run in a destination": "[a](" + "(" * (MAX_BODY - 5),
        "escaped link labels": fill("[\\"),
        "empty links": fill("[]()"),
        "Devanagari with marks": fill("क\u0301"),
        "combining mark flood": "a" + "\u0301" * (MAX_BODY - 1),
        "short lines": fill("x\n"),
        "Hindi prose": fill("कांग्रेस नेता का दावा झूठा है, यह संदेश तेजी से फैल रहा है। "),
    }


def old_render(source: str) -> int:
    """The previous renderer: the same markdown-it and nh3 settings, no bounds."""
    from markdown_it import MarkdownIt

    from factcheck.publish import markdown

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
    parser.enable(["table", "strikethrough"])
    tokens = parser.parse(source)
    markdown._alignment_without_style(tokens)
    return len(markdown._cleaner().clean(parser.renderer.render(tokens, parser.options, {})))


def bench_markdown(runs: int, deadline: float, peers: bool) -> None:
    from factcheck.publish.markdown import render_markdown

    inputs = markdown_inputs()
    print(f"Markdown: {len(inputs)} pathological inputs of up to {MAX_BODY:,} characters "
          "(parse, render, sanitise)")
    once = {}
    for name, source in inputs.items():
        start = time.perf_counter()
        html = render_markdown(source)
        once[name] = (time.perf_counter() - start, len(html))
    print(f"  all once: median {statistics.median(t for t, _ in once.values()) * 1000:.1f} ms, "
          f"max {max(t for t, _ in once.values()) * 1000:.1f} ms; output at most "
          f"{max(size / max(1, len(inputs[name])) for name, (_t, size) in once.items()):.1f}× its source")
    for name in sorted(once, key=lambda n: once[n][0], reverse=True)[:10]:
        source = inputs[name]
        row(name, timed(lambda source=source: render_markdown(source), runs),
            f"{len(source):,} → {once[name][1]:,} characters")
    if not peers:
        return
    print("  peer: the previous renderer (no bounds), on the slowest inputs and on those it multiplies")
    for name in ("list items", "[ run"):
        peer_row(name, peer_seconds("old_render", (inputs[name],), deadline), deadline, "measured")
    for name, build, sizes in (
            ("tables of 64 columns filled row by row", lambda n: many_tables(64, 300, n), (2_500, 5_000, 10_000)),
            ("reference flood", reference_flood, (10_000, 20_000, 40_000))):
        peer_row(name, peer_seconds("old_render", (inputs[name],), deadline), deadline, "measured")
        finished = {n: peer_seconds("old_render", (build(n),), deadline) for n in sizes}
        sizes = [n for n, t in finished.items() if t is not None]
        seconds = [finished[n] for n in sizes]
        if len(sizes) < 2:
            print(f"  {name + ', extrapolated':44} peer: too slow to time even on 5,000 characters")
            continue
        estimate, power = extrapolated(sizes, seconds, MAX_BODY)
        print(f"  {name + ', extrapolated':44} peer {estimate:13,.1f} s       from "
              f"{', '.join(f'{n:,} chars {t:.2f} s' for n, t in zip(sizes, seconds, strict=True))}: "
              f"t ∝ n^{power:.1f}")


# -- screenshots -----------------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    pixels = png_chunk(b"IDAT", zlib.compress(b"\0" * (1 << 20), 9))
    return b"\x89PNG\r\n\x1a\n" + header + pixels + png_chunk(b"IEND", b"")


def webp_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")

    bitstream = chunk(b"VP8L", b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + b"\0" * 64)
    body = b"WEBP" + chunk(b"VP8X", bytes(4) + (width - 1).to_bytes(3, "little")
                           + (height - 1).to_bytes(3, "little")) + bitstream
    return b"RIFF" + struct.pack("<I", len(body)) + body


def animation(frames: int, size: tuple[int, int]) -> bytes:
    images = [Image.new("RGB", size, ("#c33", "#33c")[n % 2]) for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:], duration=40, quality=10)
    return buffer.getvalue()


def progressive_jpeg(size: tuple[int, int], scans: int) -> bytes:
    """A progressive JPEG of exactly ``scans`` scans: its own, repeated in turn, each with the
    tables before it (libjpeg decodes a repeated scan again, with a warning)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "#c33").save(buffer, format="JPEG", progressive=True)
    return with_scans(buffer.getvalue(), scans)


def previous_verify(data: bytes) -> str:
    """The previous ``verify_screenshot`` (Pillow's default limits, whole decode), as the peer."""
    Image.MAX_IMAGE_PIXELS = int(1024 * 1024 * 1024 // 4 // 3)  # Pillow's default
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("PNG", "JPEG", "WEBP"):
                    return "refused: format"
                if probe.size[0] * probe.size[1] > 40_000_000:
                    return "refused: too large"
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "refused: not an image"
    except (OSError, SyntaxError, ValueError, EOFError):
        return "refused: damaged"
    return "accepted"


def bench_screenshots(runs: int, deadline: float, peers: bool) -> None:
    from factcheck.claims.screenshots import MAX_FRAMES, MAX_JPEG_SCANS, MAX_PIXELS, verify_screenshot
    from factcheck.errors import ValidationError

    side = int(math.sqrt(MAX_PIXELS)) - 1
    files = {
        "PNG claiming 100,000 × 100,000": png_claiming(100_000, 100_000),
        "WebP claiming 8,000 × 8,000": webp_claiming(8_000, 8_000),
        f"animated WebP, {MAX_FRAMES + 1} frames": animation(MAX_FRAMES + 1, (64, 64)),
        f"progressive JPEG {side:,}² with 400 scans": progressive_jpeg((side, side), 400),
        f"largest allowed: PNG {side:,}²": png_of(side),
        f"largest allowed: JPEG {side:,}², {MAX_JPEG_SCANS} scans": progressive_jpeg((side, side), MAX_JPEG_SCANS),
    }
    print(f"Screenshots: verify_screenshot (limits: {MAX_PIXELS:,} pixels, {MAX_FRAMES} frames, "
          f"{MAX_JPEG_SCANS} scans)")
    for name, data in files.items():
        def verify(data: bytes = data) -> str:
            try:
                verify_screenshot(data)
            except ValidationError as refused:
                return "refused: " + refused.fields["screenshot"]
            return "accepted"

        row(name, timed(verify, runs), f"{len(data):,} bytes, {verify()}")
    if not peers:
        return
    print("  peer: the previous verify_screenshot")
    for name, data in files.items():
        seconds, verdict = peer_run("previous_verify", (data,), deadline)
        peer_row(name, seconds, deadline, verdict or "")


def png_of(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "#c33").save(buffer, format="PNG")
    return buffer.getvalue()


# -- share cards -----------------------------------------------------------------------------------


def bench_share_cards(runs: int) -> None:
    from factcheck.publish import share_card
    from factcheck.publish.operations import MAX_HEADLINE

    scripts = "aक\u0627\u05d0\u0e01\u0b95\u0c15\u0985\u0a15\u0a95\u0b15\u0c95\u0d15\u0d9a"
    headlines = {
        "English, 200 characters": ("Viral video claims an oxygen bar in Delhi offers fresh air " * 4)[:MAX_HEADLINE],
        "Hindi, 200 characters": ("कांग्रेस नेता का दावा झूठा: क्षत्रिय समाज के बारे में पोस्ट " * 4)[:MAX_HEADLINE],
        "one unbreakable word": "x" * MAX_HEADLINE,
        "a script change at every letter": (scripts * 15)[:MAX_HEADLINE],
        "Arabic, right to left": ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629 " * 25)[:MAX_HEADLINE],
        "200 stacked acute accents": "a" + "\u0301" * (MAX_HEADLINE - 1),
        "Devanagari signs flood": "क" + "\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c\u0902\u0903" * 18,
        "20,000 characters (older or imported data)": " ".join(f"word{n}" for n in range(3000))[:20_000],
        "site name of 20,000 characters": "",
    }
    print(f"Share cards: render_share_card, 1200×630 PNG (headlines of at most {MAX_HEADLINE} characters "
          "after cleaning; text measurements cleared before each run)")
    for name, headline in headlines.items():
        site = (scripts * 1500)[:20_000] if name.startswith("site name") else "Factcheck Desk"
        figures = timed(lambda headline=headline, site=site: share_card.render_share_card(
            headline or "A headline", "False", site), runs, share_card._text_length.cache_clear)
        row(name, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-seconds", type=float, default=5.0, help="when a peer is stopped")
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    stay_on_loopback()  # names beyond loopback do not resolve: a job never leaves the machine
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench/bounded.py: {args.runs} runs each; {os.cpu_count()} CPUs, load average {load:.2f}\n")
    peers = not args.skip_peers
    bench_diff(args.runs, args.peer_seconds, peers)
    print()
    bench_markdown(args.runs, args.peer_seconds, peers)
    print()
    bench_screenshots(args.runs, args.peer_seconds, peers)
    print()
    bench_share_cards(args.runs)


if __name__ == "__main__":
    main()
