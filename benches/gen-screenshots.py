#!/usr/bin/env python3
"""Add deterministic full-HD screenshots to a gen-corpus site.

Usage:  gen-screenshots.py [--seed S] [--also DIR2 ...] DIR N_PER_GUIDE

DIR is a site written by ../shared/bench/gen-corpus (guidesite or hugo flavor,
told apart by hugo.toml). For every guide `content/<source>.md` it draws
N_PER_GUIDE 1920x1080 RGB PNGs of UI-like content (top bar, sidebar, panels,
tables, buttons, form fields and rows of pseudo text: dark strokes 1-2 px wide,
so a resize that blurs text shows) and appends to the guide one paragraph per
image, `![Screenshot k of <title>](<source>/shot-k.png)`.

Where the images go:
  guidesite  content/<source>/shot-k.png, next to content/<source>.md (a
             relative image link resolves against the guide file's folder).
  hugo       the guide becomes a leaf bundle content/<source>/index.md and the
             images go to content/<source>/<source>/shot-k.png: the bundle's
             resource named `<source>/shot-k.png` is what the same Markdown
             link names (`.Page.Resources.GetMatch .Destination`), and the
             same relative URL from /<source>/ lands on it when published.

--also DIR2 writes the same bytes and the same Markdown into another site of
the same corpus (e.g. the hugo flavor), so the pixels are drawn once.

Deterministic: the pixels depend only on (seed, source, k), and the PNG bytes
on those and Python's zlib. The last line printed is the SHA-256 over every
image written (path relative to content/ and bytes), so two runs are easy to
compare. Pure standard library; images are drawn on all cores.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import struct
import sys
import zlib

W, H = 1920, 1080

# Pseudo glyphs, drawn relative to the baseline (y=0 is the baseline, the
# x-height top is -7, ascenders reach -10, descenders +3). Each stroke is
# ("v", x, y0, y1) a vertical stroke, ("h", y, x0, x1) a horizontal one, or
# ("d", x0, y0, x1, y1) a one-pixel stair; x values are fractions of the glyph
# width (0 left, 1 right), so one shape serves regular and bold text.
GLYPHS = [
    [("v", 0, -7, 0), ("v", 1, -7, 0), ("h", -7, 0, 1), ("h", -1, 0, 1)],       # o
    [("v", 0, -7, 0), ("h", -7, 0, 1), ("v", 1, -7, 0)],                        # n
    [("v", 0, -7, 0), ("h", -1, 0, 1), ("v", 1, -7, 0)],                        # u
    [("v", 0, -10, 0)],                                                          # l
    [("v", 0, -10, 0), ("h", -7, 0, 1), ("v", 1, -7, 0)],                       # h
    [("v", 0, -10, 0), ("h", -7, 0, 1), ("v", 1, -7, 0), ("h", -1, 0, 1)],      # b
    [("v", 1, -10, 0), ("h", -7, 0, 1), ("v", 0, -7, 0), ("h", -1, 0, 1)],      # d
    [("v", 0, -7, 3), ("h", -7, 0, 1), ("v", 1, -7, 0), ("h", -1, 0, 1)],       # p
    [("v", 1, -7, 3), ("h", -7, 0, 1), ("v", 0, -7, 0), ("h", -1, 0, 1)],       # q
    [("v", 0, -7, 0), ("v", 1, -7, -4), ("h", -7, 0, 1), ("h", -4, 0, 1), ("h", -1, 0, 1)],  # e
    [("h", -7, 0, 1), ("v", 0, -7, -4), ("h", -4, 0, 1), ("v", 1, -4, 0), ("h", -1, 0, 1)],  # s
    [("h", -7, 0, 1), ("v", 1, -7, 0), ("h", -4, 0, 1), ("v", 0, -4, 0), ("h", -1, 0, 1)],   # a
    [("v", 0, -7, 0), ("h", -7, 0, 1), ("h", -1, 0, 1)],                        # c
    [("v", 0.5, -9, 0), ("h", -7, 0, 1)],                                        # t
    [("v", 0, -9, -8), ("v", 0, -7, 0)],                                         # i
    [("v", 0, -7, 0), ("h", -7, 0, 1)],                                          # r
    [("d", 0, -7, 1, 0), ("d", 1, -7, 0, 0)],                                    # x
    [("d", 0, -7, 0.5, 0), ("d", 1, -7, 0.5, 0)],                                # v
    [("h", -7, 0, 1), ("d", 1, -7, 0, 0), ("h", -1, 0, 1)],                      # z
    [("v", 0, -7, 0), ("v", 0.5, -5, 0), ("v", 1, -7, 0), ("h", -1, 0, 1)],     # w
    [("v", 0, -10, 0), ("d", 1, -7, 0, -3), ("d", 0, -3, 1, 0)],                 # k
    [("v", 0, -10, 0), ("v", 1, -10, 0), ("h", -5, 0, 1)],                       # H
    [("v", 0, -10, 0), ("h", -10, 0, 1), ("h", -5, 0, 0.8), ("h", -1, 0, 1)],    # E
    [("v", 0, -10, 0), ("v", 1, -10, 0), ("h", -10, 0, 1), ("h", -1, 0, 1)],     # O
]
UPPER = (21, 22, 23)
LOWER = [g for g in range(len(GLYPHS)) if g not in UPPER]
# Letter frequencies, roughly: vowel-like and n/t/r/s shapes more often.
WEIGHTS = [9, 8, 4, 5, 4, 2, 3, 2, 1, 12, 7, 9, 3, 8, 8, 7, 1, 2, 1, 2, 1]

THEMES = [  # accent, accent-light
    ((254, 44, 85), (255, 232, 236)),    # pink
    ((24, 119, 242), (231, 241, 254)),   # blue
    ((0, 150, 136), (224, 242, 241)),    # teal
    ((103, 58, 183), (237, 231, 246)),   # purple
    ((255, 152, 0), (255, 243, 224)),    # orange
]
INK = (33, 37, 41)
MUTED = (108, 117, 125)
LINE = (222, 226, 230)
PANEL = (255, 255, 255)
PAGE = (245, 246, 248)
WHITE = (255, 255, 255)
BADGES = [((25, 135, 84), (209, 231, 221)), ((220, 53, 69), (248, 215, 218)),
          ((255, 193, 7), (255, 243, 205)), ((13, 110, 253), (207, 226, 255))]


class Canvas:
    def __init__(self, color):
        self.px = bytearray(bytes(color) * (W * H))

    def rect(self, x, y, w, h, color):
        """Fills a rectangle, clipped to the canvas."""
        x0, y0 = max(0, int(x)), max(0, int(y))
        x1, y1 = min(W, int(x + w)), min(H, int(y + h))
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(color) * (x1 - x0)
        stride, px = W * 3, self.px
        off = (y0 * W + x0) * 3
        for _ in range(y1 - y0):
            px[off:off + len(row)] = row
            off += stride

    def frame(self, x, y, w, h, color, t=1):
        self.rect(x, y, w, t, color)
        self.rect(x, y + h - t, w, t, color)
        self.rect(x, y, t, h, color)
        self.rect(x + w - t, y, t, h, color)

    def glyph(self, shape, x, base, gw, s, scale, color):
        """Draws one pseudo glyph of width gw, stroke s, at baseline `base`."""
        def px_x(f):
            return x + round(f * (gw - s))
        for st in shape:
            if st[0] == "v":
                _, f, y0, y1 = st
                self.rect(px_x(f), base + y0 * scale, s, max(s, (y1 - y0) * scale), color)
            elif st[0] == "h":
                _, yy, f0, f1 = st
                x0 = px_x(f0)
                self.rect(x0, base + yy * scale, px_x(f1) - x0 + s, s, color)
            else:
                _, fx0, y0, fx1, y1 = st
                ax, bx = px_x(fx0), px_x(fx1)
                ay, by = base + y0 * scale, base + y1 * scale
                n = max(abs(bx - ax), abs(by - ay), 1)
                for i in range(0, n + 1, max(1, s // 2)):
                    self.rect(ax + (bx - ax) * i // n, ay + (by - ay) * i // n, s, s, color)

    def text(self, rnd, x, base, width, color, s=1, scale=1, cap=True):
        """Writes words of pseudo glyphs until `width` px are used; returns the end x."""
        end, first = x + width, cap
        gw = 5 * scale + (s - 1)
        while True:
            n = rnd.randint(2, 9)
            if x + n * (gw + scale + 1) > end:
                return x
            for i in range(n):
                g = rnd.choice(UPPER) if first and i == 0 else rnd.choices(LOWER, WEIGHTS)[0]
                w = 1 * scale if g in (3, 14) else gw
                self.glyph(GLYPHS[g], x, base, max(w, s), s, scale, color)
                x += max(w, s) + scale + 1
            first = False
            x += 4 * scale


def draw(seed, source, k):
    """The RGB pixels of screenshot k of guide `source` (depends on nothing else)."""
    rnd = random.Random("%s:%s:%d" % (seed, source, k))
    accent, light = rnd.choice(THEMES)
    c = Canvas(PAGE)
    # top bar: logo, product name, menu, search field, avatar
    dark = rnd.random() < 0.5
    bar = (31, 36, 48) if dark else WHITE
    on_bar = WHITE if dark else INK
    c.rect(0, 0, W, 56, bar)
    c.rect(0, 55, W, 1, LINE)
    c.rect(16, 12, 32, 32, accent)
    x = c.text(rnd, 60, 34, 160, on_bar, s=2, scale=1)
    for _ in range(rnd.randint(3, 5)):
        x = c.text(rnd, x + 28, 33, rnd.randint(50, 110), on_bar)
    c.frame(1180, 12, 420, 32, (90, 96, 110) if dark else LINE)
    c.text(rnd, 1196, 33, 200, MUTED)
    c.rect(1860, 12, 32, 32, light)
    # sidebar: icons and items, one selected
    sw = rnd.randrange(220, 300, 4)
    c.rect(0, 56, sw, H - 56, WHITE)
    c.rect(sw, 56, 1, H - 56, LINE)
    chosen = rnd.randrange(3, 14)
    for i in range(rnd.randint(12, 20)):
        y = 72 + i * 40
        if y + 40 > H:
            break
        if i == chosen:
            c.rect(0, y, sw, 36, light)
            c.rect(0, y, 3, 36, accent)
        ink = accent if i == chosen else INK
        c.frame(20, y + 10, 16, 16, ink, 2 if i == chosen else 1)
        c.text(rnd, 48, y + 23, rnd.randint(60, sw - 70), ink, s=2 if i == chosen else 1)
    # main: breadcrumb, title, primary button
    mx, mw = sw + 32, W - sw - 64
    c.text(rnd, mx, 88, rnd.randint(200, 400), MUTED)
    c.text(rnd, mx, 128, rnd.randint(300, 600), INK, s=2, scale=2)
    button(c, rnd, mx + mw - 180, 100, 180, 40, accent, WHITE)
    button(c, rnd, mx + mw - 330, 100, 136, 40, WHITE, INK, border=LINE)
    # panels: a table across the width, then a form and a text card side by side
    y = 168
    th = rnd.choice((8, 10, 12))
    y = table(c, rnd, mx, y, mw, th, accent)
    half = (mw - 24) // 2
    form(c, rnd, mx, y + 24, half, H - y - 48, accent)
    prose(c, rnd, mx + half + 24, y + 24, half, H - y - 48)
    return bytes(c.px)


def button(c, rnd, x, y, w, h, fill, ink, border=None):
    c.rect(x + 1, y, w - 2, h, fill)
    c.rect(x, y + 1, w, h - 2, fill)
    if border:
        c.frame(x, y, w, h, border)
    c.text(rnd, x + 16, y + h // 2 + 5, w - 32, ink, s=2)


def card(c, rnd, x, y, w, h, title=True):
    c.rect(x, y, w, h, PANEL)
    c.frame(x, y, w, h, LINE)
    if title:
        c.text(rnd, x + 20, y + 32, rnd.randint(160, min(400, w - 40)), INK, s=2)
        c.rect(x, y + 48, w, 1, LINE)
    return y + 48


def table(c, rnd, x, y, w, rows, accent):
    """A card holding a table: header, striped rows, checkboxes, status badges, actions."""
    rh = 44
    h = 48 + rh * (rows + 1)
    top = card(c, rnd, x, y, w, h)
    cols = rnd.randint(4, 6)
    widths = [rnd.randint(2, 5) for _ in range(cols)]
    scale = (w - 140) / sum(widths)
    starts, cx = [], x + 56
    for wd in widths:
        starts.append(cx)
        cx += int(wd * scale)
    badge_col = rnd.randrange(1, cols)
    c.rect(x + 1, top, w - 2, rh, (248, 249, 250))
    for i, sx in enumerate(starts):
        c.text(rnd, sx, top + 27, int(widths[i] * scale * 0.6), MUTED, s=2, cap=True)
    for r in range(rows):
        ry = top + rh * (r + 1)
        if r % 2:
            c.rect(x + 1, ry, w - 2, rh, (252, 252, 253))
        c.rect(x + 1, ry, w - 2, 1, LINE)
        c.frame(x + 20, ry + 15, 14, 14, MUTED)
        if rnd.random() < 0.3:
            c.rect(x + 23, ry + 18, 8, 8, accent)
        for i, sx in enumerate(starts):
            span = int(widths[i] * scale * rnd.uniform(0.4, 0.85))
            if i == badge_col:
                ink, bg = rnd.choice(BADGES)
                c.rect(sx, ry + 11, 96, 22, bg)
                c.text(rnd, sx + 10, ry + 27, 76, ink)
            else:
                c.text(rnd, sx, ry + 27, span, accent if i == 0 else INK)
        c.frame(x + w - 72, ry + 10, 52, 24, LINE)
        c.text(rnd, x + w - 64, ry + 27, 36, INK)
    return y + h


def form(c, rnd, x, y, w, h, accent):
    """A card with labelled input fields, a select and a submit button."""
    top = card(c, rnd, x, y, w, h)
    fy = top + 20
    while fy + 90 < y + h:
        c.text(rnd, x + 20, fy + 12, rnd.randint(80, 220), INK, s=2)
        c.frame(x + 20, fy + 22, w - 40, 36, LINE)
        if rnd.random() < 0.5:
            c.text(rnd, x + 32, fy + 45, rnd.randint(120, w - 120), MUTED)
        else:
            c.text(rnd, x + 32, fy + 45, rnd.randint(60, 200), INK)
        fy += 76
    button(c, rnd, x + 20, y + h - 56, 140, 36, accent, WHITE)


def prose(c, rnd, x, y, w, h):
    """A card with paragraphs of pseudo text and a notice box."""
    top = card(c, rnd, x, y, w, h)
    ly = top + 32
    while ly + 20 < y + h:
        if rnd.random() < 0.12:
            ly += 12
            continue
        c.text(rnd, x + 20, ly, rnd.randint(w // 2, w - 40), INK)
        ly += 20


def png(pixels):
    """PNG bytes of W x H RGB pixels: filter 0 on every row, one IDAT."""
    stride = W * 3
    raw = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(H))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def make(job):
    """Draws one screenshot and writes it to every destination; returns its digest."""
    seed, source, k, dests = job
    data = png(draw(seed, source, k))
    for d in dests:
        os.makedirs(os.path.dirname(d), exist_ok=True)
        with open(d, "wb") as f:
            f.write(data)
    return source, k, hashlib.sha256(data).hexdigest(), len(data)


class Site:
    """One gen-corpus site: where its guides and their images live."""

    def __init__(self, root):
        self.root = root
        self.content = os.path.join(root, "content")
        self.hugo = os.path.exists(os.path.join(root, "hugo.toml"))
        if not os.path.isdir(self.content):
            sys.exit("gen-screenshots: no content/ folder in %s" % root)

    def sources(self):
        return sorted(n[:-3] for n in os.listdir(self.content)
                      if n.endswith(".md") and not n.startswith("_"))

    def guide(self, source):
        return os.path.join(self.content, source + ".md")

    def image(self, source, k):
        if self.hugo:
            return os.path.join(self.content, source, source, "shot-%d.png" % k)
        return os.path.join(self.content, source, "shot-%d.png" % k)

    def add_markdown(self, source, title, n):
        """Appends the image paragraphs; a hugo guide becomes a leaf bundle."""
        old = self.guide(source)
        with open(old, encoding="utf-8") as f:
            text = f.read()
        alt = title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        for k in range(1, n + 1):
            text += "\n![Screenshot %d of %s](%s/shot-%d.png)\n" % (k, alt, source, k)
        new = os.path.join(self.content, source, "index.md") if self.hugo else old
        os.makedirs(os.path.dirname(new), exist_ok=True)
        with open(new, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        if new != old:
            os.remove(old)


def title_of(path):
    """The front matter title as gen-corpus writes it (a double-quoted scalar)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'title: (".*")\s*$', line)
            if m:
                return json.loads(m.group(1))
    sys.exit("gen-screenshots: no `title: \"...\"` line in %s" % path)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="gen-screenshots", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", metavar="DIR", help="a site written by gen-corpus")
    ap.add_argument("n", metavar="N_PER_GUIDE", type=int, help="screenshots per guide (>= 1)")
    ap.add_argument("--also", metavar="DIR2", action="append", default=[],
                    help="another site of the same corpus that gets the same images (repeatable)")
    ap.add_argument("--seed", default="1", help="random seed; same seed, same bytes (default 1)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N_PER_GUIDE must be >= 1")
    sites = [Site(d) for d in [args.dir] + args.also]
    sources = sites[0].sources()
    if not sources:
        sys.exit("gen-screenshots: no guides under %s" % sites[0].content)
    for s in sites[1:]:
        if s.sources() != sources:
            sys.exit("gen-screenshots: %s and %s do not hold the same guides" % (args.dir, s.root))
    for s in sites:
        taken = [s.image(src, 1) for src in sources if os.path.exists(s.image(src, 1))]
        if taken:
            sys.exit("gen-screenshots: %s already has screenshots (%s)" % (s.root, taken[0]))

    jobs = [(args.seed, src, k, [s.image(src, k) for s in sites])
            for src in sources for k in range(1, args.n + 1)]
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        results = sorted(pool.imap_unordered(make, jobs, chunksize=1))
    for src in sources:
        title = title_of(sites[0].guide(src))
        for s in sites:
            s.add_markdown(src, title, args.n)

    total = hashlib.sha256()
    for src, k, digest, _ in results:
        total.update(("%s/shot-%d.png %s\n" % (src, k, digest)).encode())
    size = sum(r[3] for r in results)
    sys.stderr.write("gen-screenshots: %d PNGs (%dx%d), %d bytes (avg %d), in %s\n"
                     % (len(results), W, H, size, size // len(results),
                        ", ".join(s.root for s in sites)))
    print("sha256 %s" % total.hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
