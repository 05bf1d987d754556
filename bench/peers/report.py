#!/usr/bin/env python3
"""Summarises bench/compare_peers.sh's results.tsv: prints the tables and the
targets, writes them as markdown and draws p50 latency against the number of
failing keys as a standalone SVG (no plotting library needed)."""
import argparse
import csv
import math
import os
import statistics
import sys
from collections import defaultdict

CONTENDERS = [  # name, label, colour, dashed
    ("portkey", "Portkey gateway (fallback, no quarantine)", "#d62728", False),
    ("keyward-cold", "keyward, cold (keys never quarantined)", "#ff7f0e", False),
    ("keyward-warm", "keyward, warm (as shipped: bad keys quarantined)", "#1f77b4", False),
    ("floor", "loopback floor (direct call to the fake)", "#7f7f7f", True),
]


def load(path):
    lat = defaultdict(list)   # (who, n) -> rows
    tput = defaultdict(list)  # who -> rows
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for k in ("requests", "duration_us", "non2xx", "errors"):
                row[k] = int(row[k])
            for k in ("p50_us", "p99_us", "upstream_per_req"):
                row[k] = float(row[k])
            row["n"] = int(row["n"])
            row["rps"] = row["requests"] / row["duration_us"] * 1e6
            (lat[(row["contender"], row["n"])] if row["kind"] == "lat" else tput[row["contender"]]).append(row)
    return lat, tput


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def fmt_us(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def slope(xs, ys):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def svg_plot(lat, ns, path):
    w, h = 820, 500
    left, right, top, bottom = 80, 20, 50, 150
    pw, ph = w - left - right, h - top - bottom
    vals = [med(lat[(c, n)], "p50_us") for c, *_ in CONTENDERS for n in ns if (c, n) in lat]
    lo = 10 ** math.floor(math.log10(min(vals)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    nmax = max(ns) or 1

    def x(n):
        return left + pw * n / nmax

    def y(us):
        return top + ph * (1 - (math.log10(us) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">'
           'Failover latency (p50) vs auth-failing keys before a good one</text>',
           f'<text x="{w / 2}" y="40" text-anchor="middle" fill="#555">sequential requests, keep-alive, '
           '127.0.0.1; log scale</text>']
    decade = lo
    while decade <= hi * 1.0001:  # grid: 1, 2, 5 per decade
        for m in (1, 2, 5):
            v = decade * m
            if v > hi * 1.0001:
                break
            yy = y(v)
            out.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" '
                       f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
            label = f"{v / 1000:g} ms" if v >= 1000 else f"{v:g} µs"
            out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{label}</text>')
        decade *= 10
    for n in ns:
        out.append(f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" stroke="#f2f2f2"/>')
        out.append(f'<text x="{x(n):.1f}" y="{top + ph + 16}" text-anchor="middle">{n}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{left + pw / 2}" y="{top + ph + 36}" text-anchor="middle">'
               'N = auth-failing keys (401) tried before the good key</text>')
    out.append(f'<text transform="translate(18,{top + ph / 2}) rotate(-90)" text-anchor="middle">'
               'p50 latency per request</text>')
    for i, (c, label, colour, dashed) in enumerate(CONTENDERS):
        pts = [(x(n), y(med(lat[(c, n)], "p50_us"))) for n in ns if (c, n) in lat]
        if not pts:
            continue
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.2"{dash} points="'
                   + " ".join(f"{px:.1f},{py:.1f}" for px, py in pts) + '"/>')
        for px, py in pts:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        ly = top + ph + 58 + 20 * i
        out.append(f'<line x1="{left}" y1="{ly}" x2="{left + 30}" y2="{ly}" stroke="{colour}" stroke-width="2.2"{dash}/>')
        out.append(f'<text x="{left + 38}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("--svg", required=True)
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--portkey-version", default="?")
    ap.add_argument("--tput-n", type=int, default=5)
    ap.add_argument("--conns", type=int, default=32)
    a = ap.parse_args()
    lat, tput = load(a.tsv)
    ns = sorted({n for (_, n) in lat})
    md = []

    md.append("| N | floor p50 | keyward warm p50 / p99 | keyward cold p50 / p99 | Portkey p50 / p99 "
              "| Portkey ÷ keyward warm | Portkey ÷ keyward cold | upstream calls/req (warm / cold / Portkey) |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in ns:
        g = {c: lat.get((c, n)) for c, *_ in CONTENDERS}
        if not all(g.values()):
            continue
        p = {c: med(r, "p50_us") for c, r in g.items()}
        q = {c: med(r, "p99_us") for c, r in g.items()}
        u = {c: med(r, "upstream_per_req") for c, r in g.items()}
        md.append(f"| {n} | {fmt_us(p['floor'])} | {fmt_us(p['keyward-warm'])} / {fmt_us(q['keyward-warm'])} "
                  f"| {fmt_us(p['keyward-cold'])} / {fmt_us(q['keyward-cold'])} "
                  f"| {fmt_us(p['portkey'])} / {fmt_us(q['portkey'])} "
                  f"| {p['portkey'] / p['keyward-warm']:.1f}× | {p['portkey'] / p['keyward-cold']:.1f}× "
                  f"| {u['keyward-warm']:.2f} / {u['keyward-cold']:.2f} / {u['portkey']:.2f} |")
    md.append("")
    md.append(f"Throughput at N = {a.tput_n}, {a.conns} keep-alive connections (wrk -t2), median of rounds:")
    md.append("")
    md.append("| contender | requests/s (median) | min – max over rounds | p50 / p99 latency | non-2xx | ÷ Portkey |")
    md.append("|---|---:|---:|---:|---:|---:|")
    pk_rps = med(tput["portkey"], "rps") if tput.get("portkey") else float("nan")
    for c in ("keyward-warm", "keyward-cold", "portkey"):
        rows = tput.get(c)
        if not rows:
            continue
        rps = med(rows, "rps")
        md.append(f"| {c} | {rps:,.0f} | {min(r['rps'] for r in rows):,.0f} – {max(r['rps'] for r in rows):,.0f} "
                  f"| {fmt_us(med(rows, 'p50_us'))} / {fmt_us(med(rows, 'p99_us'))} "
                  f"| {sum(r['non2xx'] + r['errors'] for r in rows)} | {rps / pk_rps:.1f}× |")

    # Targets.
    md.append("")
    t = []
    n5 = a.tput_n if (("portkey", a.tput_n) in lat) else None
    if n5 is not None:
        pk = med(lat[("portkey", n5)], "p50_us")
        for c in ("keyward-warm", "keyward-cold"):
            kw = med(lat[(c, n5)], "p50_us")
            t.append(f"- p50 at N = {n5}: {c} {fmt_us(kw)} vs Portkey {fmt_us(pk)} = 1/{pk / kw:.1f} "
                     f"(target ≤ 1/20): {'met' if pk / kw >= 20 else 'MISSED'}")
    if tput.get("portkey"):
        for c in ("keyward-warm", "keyward-cold"):
            if tput.get(c):
                r = med(tput[c], "rps") / pk_rps
                t.append(f"- throughput at {a.conns} connections, {c}: {r:.1f}× Portkey (target ≥ 5×): "
                         f"{'met' if r >= 5 else 'MISSED'}")
    cold = [(n, med(lat[("keyward-cold", n)], "p50_us")) for n in ns if ("keyward-cold", n) in lat]
    floor = statistics.median(med(lat[("floor", n)], "p50_us") for n in ns if ("floor", n) in lat)
    if len(cold) >= 2:
        s = slope([n for n, _ in cold], [v for _, v in cold])
        t.append(f"- keyward cold, cost per failing key (least-squares slope of p50 over N = {ns[0]}..{ns[-1]}): "
                 f"{fmt_us(s)} = {s / floor:.2f} loopback round trips (floor p50 {fmt_us(floor)}; "
                 f"target ≤ 1.5): {'met' if s / floor <= 1.5 else 'MISSED'}")
        pk = [(n, med(lat[("portkey", n)], "p50_us")) for n in ns if ("portkey", n) in lat]
        sp = slope([n for n, _ in pk], [v for _, v in pk])
        t.append(f"- Portkey, cost per failing key: {fmt_us(sp)} = {sp / floor:.1f} loopback round trips")
    md.extend(t)
    text = "\n".join(md) + "\n"
    with open(a.markdown, "w") as f:
        f.write(text)
    print(text)
    svg_plot(lat, ns, a.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
