#!/usr/bin/env python3
"""Generate a synthetic kbgen site with N FAQ entries for benchmarks.

Usage: benches/gen_site.py N OUT_DIR

OUT_DIR gets a copy of the bundled site's content/ (site.yaml, timeline, process, checklists,
pages and its FAQ entries, which the other files link to) plus N generated FAQ entries of about
1 KB of Chinese Markdown each in content/faq/gen/; ids, titles and tags are deterministic, so two
runs with the same N give the same site.
"""
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ["小程序", "備案", "主體", "負責人", "管理員", "身份證", "營業執照", "審核", "服務商",
         "接口", "資料", "驗證", "時間", "流程", "證件", "手機號", "郵箱", "網站", "上傳", "提交"]
TAGS = ["費用", "主體負責人", "管理員", "證件", "流程", "時效"]


def sentence(seed: int, n: int) -> str:
    return "".join(WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(n)) + "。"


def entry(i: int) -> str:
    body = []
    size = 0
    k = 0
    while size < 1000:
        para = "".join(sentence(i + k + j, 6 + (i + j) % 5) for j in range(4))
        if k % 3 == 2:
            para = f"- {para}\n- **{sentence(i + k, 3)}**"
        body.append(para)
        size += len(para.encode("utf-8"))
        k += 1
    tags = f"[{TAGS[i % len(TAGS)]}, {TAGS[(i * 5 + 1) % len(TAGS)]}]"
    return (f"---\nid: entry-{i:05d}\ntitle: 第{i}條：{sentence(i, 4)[:-1]}？\norder: {100 + i}\n"
            f"tags: {tags}\nstatus: answered\n---\n" + "\n\n".join(body) + "\n")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    faq = write_site(n, out, entry)
    print(f"{n} FAQ entries in {faq}")


def write_site(n: int, out: str, make_entry) -> str:
    """Copy the bundled content/ to OUT and add N entries `make_entry(i)` in content/faq/gen/."""
    content = os.path.join(out, "content")
    if os.path.isdir(content):
        shutil.rmtree(content)
    shutil.copytree(os.path.join(REPO, "content"), content)
    faq = os.path.join(content, "faq", "gen")
    os.makedirs(faq)
    for i in range(1, n + 1):
        with open(os.path.join(faq, f"{i:05d}.md"), "w", encoding="utf-8") as f:
            f.write(make_entry(i))
    return faq


if __name__ == "__main__":
    main()
