"""Deterministic generator of benchmark corpora: article files in the Smartable front-matter format.

Follows the distributions of the reference kit's gen_corpus.py: every article carries "AI"
plus zero to two sub-topics, providers follow a power law, publication times mix the `Z`,
offset and second-less forms, about half of the related links point at other articles of the
same corpus, about 10 % of the files have a body, and every file ends with a `secured` blob.
The same size and seed always give the same files.

usage: python -m tests.perf.corpus N OUTDIR [--seed S]
"""

import argparse
import base64
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SUB_TOPICS = (
    "Machine Learning", "Computer Vision", "Natural Language Processing", "AI Ethics",
    "AI Hardware", "AI in Autos", "AI in Healthcare", "AI in Finance", "AI in Marketing",
    "AI in Sales", "AI in Education", "AI in Robotics", "AI in Security", "AWS AI",
    "Microsoft AI", "Google AI", "Facebook AI", "IBM AI", "TensorFlow", "PyTorch",
    "Math for AI", "Deep Learning", "Reinforcement Learning", "Speech Recognition",
)  # fmt: skip
_WORDS = (
    "model data neural network vision language robot car health bank chip cloud ethics "
    "privacy face recognition startup funding research paper benchmark training inference "
    "policy regulation market growth report launch partnership open source dataset agent "
    "autonomous drone hospital diagnosis fraud trading retail voice assistant translation "
    "quantum edge sensor camera police city school teacher student climate energy"
)
VOCABULARY = tuple(_WORDS.split())
ACCENTED = (
    "Zürich",
    "São Paulo",
    "Île-de-France",
    "Kraków",
    "naïve",
    "façade",
    "東京",
    "Ωmega",
    "café",
)
TYPES = ("article",) * 90 + ("video",) * 7 + ("blog",) * 2 + ("paper",)
UTC_OFFSETS_HOURS = (-7.0, -5.0, -4.0, 1.0, 2.0, 5.5, 8.0)
EXTRA_TOPIC_COUNTS = (0, 1, 1, 1, 2)
IMAGE_COUNTS = (1, 1, 1, 2)
RELATED_COUNTS = (0, 0, 1, 1, 2, 3, 5)
SECURED_BYTES = (240, 336, 480)

FIRST_DAY = datetime(2019, 6, 1)
SPAN_SECONDS = 760 * 86400
MARKER = ".bench-corpus.json"
GENERATOR = "tests.perf.corpus/1"


@dataclass(frozen=True)
class Provider:
    """A publisher: display name and domain."""

    name: str
    domain: str


@dataclass(frozen=True)
class Stamp:
    """A publication time and the text a file writes for it."""

    moment: datetime
    text: str


@dataclass(frozen=True)
class Planned:
    """An article decided before any file is written, so related links can point at any other."""

    stamp: Stamp
    title: str
    name: str
    provider: Provider
    url: str


def quoted(text: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def random_stamp(rng: random.Random) -> Stamp:
    """A time in the span: 75 % `...Z`, 20 % with an offset, 5 % `...T02:18Z` (no seconds)."""
    moment = FIRST_DAY + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    form = rng.random()
    if form < 0.75:
        return Stamp(moment, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if form < 0.95:
        hours = rng.choice(UTC_OFFSETS_HOURS)
        local = moment + timedelta(hours=hours)
        sign = "-" if hours < 0 else "+"
        whole, minutes = int(abs(hours)), int(abs(hours) % 1 * 60)
        return Stamp(moment, f"{local:%Y-%m-%dT%H:%M:%S}{sign}{whole:02d}:{minutes:02d}")
    moment = moment.replace(second=0)
    return Stamp(moment, moment.strftime("%Y-%m-%dT%H:%MZ"))


def sentence(rng: random.Random, length: int) -> str:
    """`length` words, sometimes with an accented word or a quoted colon (YAML traps)."""
    words = [rng.choice(VOCABULARY) for _ in range(length)]
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), rng.choice(ACCENTED))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), '"quoted: words"')
    return " ".join(words).capitalize()


def make_providers(rng: random.Random, count: int) -> list[Provider]:
    """`count` providers; the power law lives in who publishes, see `plan_articles`."""
    return [
        Provider(f"{sentence(rng, 2).title()} News", f"news{i}.example{rng.randrange(9)}.com")
        for i in range(count)
    ]


def file_name(stamp: Stamp, title: str, index: int) -> str:
    """`2020-06-17-first-eight-ascii-words-<index>`: unique, sortable, readable."""
    words = [w.lower() for w in title.split()[:8] if w.isascii() and w.isalnum()]
    return f"{stamp.moment:%Y-%m-%d}-{'-'.join(words) or 'untitled'}-{index}"


def plan_articles(rng: random.Random, size: int, providers: Sequence[Provider]) -> list[Planned]:
    """Times, titles, names and home providers of every article (Pareto-distributed providers)."""
    planned = []
    for index in range(size):
        stamp = random_stamp(rng)
        title = sentence(rng, rng.randint(5, 14))
        name = file_name(stamp, title, index)
        home = providers[min(int(rng.paretovariate(1.1)) - 1, len(providers) - 1)]
        planned.append(Planned(stamp, title, name, home, f"https://www.{home.domain}/{name}"))
    return planned


def _head_lines(rng: random.Random, article: Planned) -> list[str]:
    quality = max(0, min(220, int(rng.gauss(60, 30))))
    lines = [
        "category: news",
        f"title: {quoted(article.title)}",
        f"excerpt: {quoted(sentence(rng, rng.randint(12, 40)) + '.')}",
        f"publishedDateTime: {article.stamp.text}",
    ]
    if rng.random() < 0.5:
        lines.append(f"originalUrl: {quoted(article.url)}")
    lines.append(f"webUrl: {quoted(article.url)}")
    if rng.random() < 0.3:
        amp = article.url + "/amp/"
        cdn = "https://cdn.ampproject.example/c/s/" + amp.removeprefix("https://")
        lines += [f"ampWebUrl: {quoted(amp)}", f"cdnAmpWebUrl: {quoted(cdn)}"]
    lines += [
        f"type: {rng.choice(TYPES)}",
        f"quality: {quality}",
        f"heat: {rng.choice([-1, quality, quality // 2])}",
        f"published: {'true' if rng.random() < 0.4 else 'false'}",
        "",
    ]
    return lines


def _featured_lines(rng: random.Random, index: int) -> list[str]:
    if rng.random() >= 0.05:
        return []
    frame = f'<iframe src="https://video.example/embed/{index}"></iframe>'
    return [f"featuredContent: {quoted(frame)}", ""]


def _provider_lines(rng: random.Random, provider: Provider) -> list[str]:
    lines = ["provider:", f"  name: {quoted(provider.name)}", f"  domain: {provider.domain}"]
    if rng.random() < 0.6:
        logo = f"https://img.example/org/{provider.domain}-50x50.jpg"
        lines += ["  images:", f"    - url: {quoted(logo)}", "      width: 50", "      height: 50"]
    return [*lines, ""]


def _topic_lines(rng: random.Random) -> list[str]:
    topics = ["AI", *rng.sample(SUB_TOPICS, rng.choice(EXTRA_TOPIC_COUNTS))]
    rng.shuffle(topics)
    return ["topics:", *(f"  - {topic}" for topic in topics), ""]


def _image_lines(rng: random.Random, article: Planned) -> list[str]:
    if rng.random() >= 0.9:
        return []
    lines = ["images:"]
    for k in range(rng.choice(IMAGE_COUNTS)):
        lines += [
            f"  - url: {quoted(f'https://img.example/{article.name}-{k}.jpg')}",
            f"    width: {rng.choice([640, 1200, 1280])}",
            f"    height: {rng.choice([360, 630, 720])}",
            f"    isCached: {rng.choice(['true', 'false'])}",
        ]
        if rng.random() < 0.2:
            lines.append(f"    title: {quoted(article.title)}")
    return [*lines, ""]


def _related_link(
    rng: random.Random, corpus: Sequence[Planned], providers: Sequence[Provider]
) -> list[str]:
    if rng.random() < 0.5:
        target = corpus[rng.randrange(len(corpus))]
        stamp, title, url = target.stamp, target.title, target.url
    else:
        stamp, title = random_stamp(rng), sentence(rng, 9)
        url = f"https://elsewhere{rng.randrange(500)}.example/{rng.randrange(10**9)}"
    provider = providers[rng.randrange(len(providers))]
    lines = [
        f"  - title: {quoted(title)}",
        f"    excerpt: {quoted(sentence(rng, 20) + '.')}",
        f"    publishedDateTime: {stamp.text}",
        f"    webUrl: {quoted(url)}",
        "    type: article",
        "    provider:",
        f"      name: {quoted(provider.name)}",
        f"      domain: {provider.domain}",
        f"    quality: {max(0, int(rng.gauss(50, 25)))}",
    ]
    if rng.random() < 0.7:
        image = f"https://img.example/rel/{rng.randrange(10**9)}.jpg"
        lines += [
            "    images:",
            f"      - url: {quoted(image)}",
            "        width: 1200",
            "        height: 800",
            "        isCached: true",
        ]
    return lines


def _related_lines(
    rng: random.Random, corpus: Sequence[Planned], providers: Sequence[Provider]
) -> list[str]:
    count = rng.choice(RELATED_COUNTS)
    if not count:
        return []
    lines = ["related:"]
    for _ in range(count):
        lines += _related_link(rng, corpus, providers)
    return [*lines, ""]


def _secured_line(rng: random.Random) -> str:
    blob = base64.b64encode(rng.randbytes(rng.choice(SECURED_BYTES))).decode()
    iv = base64.b64encode(rng.randbytes(16)).decode()
    return f"secured: {quoted(blob + ';' + iv)}"


def _body_lines(rng: random.Random) -> list[str]:
    if rng.random() >= 0.1:
        return []
    return [
        "",
        f"## {sentence(rng, 4)}",
        "",
        sentence(rng, 60) + ".",
        "",
        "- " + sentence(rng, 8),
        "- " + sentence(rng, 8),
        "",
    ]


def render_article(
    rng: random.Random,
    index: int,
    corpus: Sequence[Planned],
    providers: Sequence[Provider],
) -> str:
    """The whole file of `corpus[index]`: front matter, then the body when it has one."""
    article = corpus[index]
    front = [
        *_head_lines(rng, article),
        *_featured_lines(rng, index),
        *_provider_lines(rng, article.provider),
        *_topic_lines(rng),
        *_image_lines(rng, article),
        *_related_lines(rng, corpus, providers),
        _secured_line(rng),
    ]
    return "\n".join(["---", *front, "---", "", *_body_lines(rng)])


def write_corpus(size: int, outdir: Path, seed: int = 1) -> int:
    """Write `size` article files into `outdir`, then the marker that says the corpus is whole.

    Returns the number of files written.
    """
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).unlink(missing_ok=True)
    providers = make_providers(rng, max(40, size // 25))
    corpus = plan_articles(rng, size, providers)
    for index, article in enumerate(corpus):
        text = render_article(rng, index, corpus, providers)
        (outdir / f"{article.name}.md").write_text(text, encoding="utf-8", newline="\n")
    marker = {"size": size, "seed": seed, "generator": GENERATOR}
    (outdir / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    return size


def read_marker(outdir: Path) -> dict[str, object] | None:
    """The marker of a whole corpus written by `write_corpus`, or None."""
    try:
        marker = json.loads((outdir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def count_articles(outdir: Path) -> int:
    """How many `*.md` files the folder holds (not recursively)."""
    return sum(1 for _ in outdir.glob("*.md")) if outdir.is_dir() else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write a corpus."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("size", type=int, help="number of article files")
    parser.add_argument("outdir", type=Path, help="folder to write them into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    written = write_corpus(args.size, args.outdir, args.seed)
    print(f"{written} files in {args.outdir}")


if __name__ == "__main__":
    main()
