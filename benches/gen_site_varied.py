#!/usr/bin/env python3
"""Generate a synthetic kbgen site with N varied FAQ entries: a harder case for the search index.

Usage: benches/gen_site_varied.py N OUT_DIR

Like benches/gen_site.py (a copy of the bundled content/ plus N entries of about 1 KB of Chinese
in content/faq/gen/), but the text is drawn from about 3,500 Han characters with a Zipf-like
frequency, mixed with numbers and Latin words, so its bigram vocabulary is far larger than the
20 repeated words of gen_site.py and it compresses like real text rather than like a pattern.
The characters are independent, so there are more distinct bigrams than in natural prose: the
index sizes it gives are an upper bound. Deterministic: the same N gives the same site.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_site import write_site  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The bundled content's own characters first (the most frequent), then common CJK code points.
PUNCT = "，。、；：？！"
LATIN = ["APP", "ID", "API", "ICP", "MP", "QQ", "URL", "PDF", "JPG", "HTTPS", "SDK", "OCR"]


def alphabet() -> list:
    seen = []
    for dirpath, _, files in os.walk(os.path.join(REPO, "content")):
        for name in sorted(files):
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                for ch in f.read():
                    if "\u4e00" <= ch <= "\u9fff" and ch not in seen:
                        seen.append(ch)
    rng = random.Random(7)
    extra = [chr(c) for c in range(0x4E00, 0x9FA6)]
    rng.shuffle(extra)
    have = set(seen)
    seen += [c for c in extra if c not in have][: 3500 - len(seen)]
    return seen


def zipf_weights(n: int) -> list:
    return [1.0 / (i + 1) ** 1.05 for i in range(n)]


def text(rng: random.Random, chars: list, weights: list, size: int) -> str:
    out = []
    length = 0
    while length < size:
        n = rng.randint(6, 20)
        clause = "".join(rng.choices(chars, weights, k=n))
        r = rng.random()
        if r < 0.12:
            clause += str(rng.randint(1, 20000))
        elif r < 0.18:
            clause = rng.choice(LATIN) + clause
        out.append(clause + rng.choice(PUNCT))
        length += len(out[-1].encode("utf-8"))
    return "".join(out)


def entry(i: int, chars: list, weights: list) -> str:
    rng = random.Random(i)
    title = text(rng, chars, weights, 30).rstrip(PUNCT)[:18]
    paras = [text(rng, chars, weights, 330) for _ in range(3)]
    return (f"---\nid: varied-{i:05d}\ntitle: {title}？\norder: {100 + i}\nstatus: answered\n---\n"
            + "\n\n".join(paras) + "\n")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    chars = alphabet()
    weights = zipf_weights(len(chars))
    faq = write_site(n, out, lambda i: entry(i, chars, weights))
    print(f"{n} varied FAQ entries in {faq}")


if __name__ == "__main__":
    main()
