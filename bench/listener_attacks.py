#!/usr/bin/env python3
"""Attack clients for bench/listener.sh (issue 16): idle keep-alive
connections, slowloris heads, a 100 MB chunked body. Standard library only.

  listener_attacks.py idle      --port P --count 10000     # holds them until stdin closes
  listener_attacks.py slowloris --port P --count 1000 [--rate 1] [--max-seconds 40]
  listener_attacks.py chunked   --port P --mb 100 [--pid PID]
  listener_attacks.py table     --port P --pid PID          # the issue's attack table
Each prints "ready" (idle) or one RESULT line for the shell script to read;
`table` prints the issue's table (what was done | what it did now) as Markdown.
"""
import argparse
import re
import resource
import selectors
import socket
import sys
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect_many(port, count):
    """Non-blocking connects in batches; returns the connected sockets."""
    socks, pending = [], []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        pending.append(s)
        if len(pending) >= 256:
            socks += finish_connects(pending)
            pending = []
    return socks + finish_connects(pending)


def finish_connects(pending):
    sel = selectors.DefaultSelector()
    for s in pending:
        sel.register(s, selectors.EVENT_WRITE)
    done, deadline = [], time.monotonic() + 30
    while len(done) < len(pending) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    sel.close()
    return done


def idle(args):
    socks = connect_many(args.port, args.count)
    print(f"ready {len(socks)}", flush=True)
    sys.stdin.read()  # until the script closes our stdin
    alive = 0
    for s in socks:
        try:
            alive += s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    print(f"RESULT idle opened={len(socks)} still_open={alive}", flush=True)


def slowloris(args):
    """Each connection sends an endless head, `rate` bytes per second. Reports
    how long after its first byte the server closed each one."""
    socks = connect_many(args.port, args.count)
    head = b"GET /healthz HTTP/1.1\r\nHost: keyward\r\nX-Slow: "
    sel = selectors.DefaultSelector()
    first_byte, closed_after, pos = {}, {}, {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        pos[s] = 0
    print("ready", flush=True)
    start = time.monotonic()
    next_tick = start
    while len(closed_after) < len(socks) and time.monotonic() - start < args.max_seconds:
        now = time.monotonic()
        if now >= next_tick:
            for s in socks:
                if s in closed_after:
                    continue
                byte = head[pos[s]:pos[s] + 1] if pos[s] < len(head) else b"a"
                try:
                    s.send(byte)
                    first_byte.setdefault(s, now)
                    pos[s] += 1
                except OSError:
                    pass  # the close shows up as readable below
            next_tick += 1.0 / args.rate
        for key, _ in sel.select(timeout=max(0.0, next_tick - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_after[s] = time.monotonic() - first_byte.get(s, start)
                sel.unregister(s)
    times = sorted(closed_after.values())
    med = times[len(times) // 2] if times else float("nan")
    print(f"RESULT slowloris connections={len(socks)} closed={len(times)} "
          f"close_after_s_min={times[0] if times else float('nan'):.2f} median={med:.2f} "
          f"max={times[-1] if times else float('nan'):.2f}", flush=True)


def chunked(args):
    s = socket.create_connection(("127.0.0.1", args.port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: keyward\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    total, sent, answer = args.mb << 20, 0, b""
    s.settimeout(5)
    try:
        while sent < total:
            s.sendall(piece)
            sent += 0x10000
    except OSError:
        pass  # the server answered and stopped reading
    try:
        while b"\r\n\r\n" not in answer:
            data = s.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    print(f"RESULT chunked status={status} sent_mib={sent / (1 << 20):.1f} of {args.mb}", flush=True)


# --- the attack table -------------------------------------------------

CHAT = (b'{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}')


def chat_request(close=True):
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: keyward\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(CHAT)).encode() + b"\r\n" +
            (b"Connection: close\r\n" if close else b"") + b"\r\n" + CHAT)


def read_answers(s, timeout):
    """Reads until the server closes (or `timeout` s): every status line's
    code, in order, and the bytes read."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    # A status line may follow a body without CRLF in between.
    return [m.decode() for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)], data


def exchange(port, raw, timeout=40, half_close=False):
    """Sends raw bytes on a new connection; returns (status codes, seconds
    until the server closed)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        s.sendall(raw)
        if half_close:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    codes, _ = read_answers(s, timeout)
    s.close()
    return codes, time.monotonic() - t0


def ordinary(port):
    """One ordinary request (the chat completion through the fake): 'STATUS in X ms'."""
    codes, secs = exchange(port, chat_request(), timeout=120)
    return f"{codes[0] if codes else 'no answer'} in {secs * 1000:.1f} ms"


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def row(what, effect):
    print(f"| {what} | {effect} |", flush=True)


def table(args):
    port = args.port
    print("| what was done to the router | what it did (this run) |")
    print("|---|---|")
    row("nothing (baseline)", "ordinary request " + ordinary(port))
    for n in (200, 1000):
        socks = connect_many(port, n)
        row(f"{len(socks)} connections open, sending nothing", "ordinary request " + ordinary(port))
        for s in socks:
            s.close()

    # 130 connections declaring 1 GiB and sending one byte: each refused at once.
    t0 = time.monotonic()
    socks = connect_many(port, 130)
    for s in socks:
        s.setblocking(True)
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: k\r\nContent-Length: 1073741824\r\n\r\n{")
    got_413 = sum(read_answers(s, 30)[0][:1] == ["413"] for s in socks)
    refused_ms = (time.monotonic() - t0) * 1000
    row(f"{len(socks)} connections sending `Content-Length: 1073741824` and one byte",
        f"{got_413} answered 413 and closed, all within {refused_ms:.0f} ms; ordinary request " + ordinary(port))
    for s in socks:
        s.close()

    # Slowloris: 100 connections, one header byte per second, 6 ordinary
    # requests during the attack, then every trickling connection's close.
    loris = connect_many(port, 100)
    head = b"GET /healthz HTTP/1.1\r\nHost: keyward\r\nX-Slow: " + b"a" * 100
    start, answered, worst, closed_after, pos = time.monotonic(), 0, 0.0, {}, 0
    sel = selectors.DefaultSelector()
    for s in loris:
        sel.register(s, selectors.EVENT_READ)
    tick = 0
    while len(closed_after) < len(loris) and time.monotonic() - start < 40:
        if time.monotonic() - start >= tick:
            for s in loris:
                if s not in closed_after:
                    try:
                        s.send(head[pos:pos + 1])
                    except OSError:
                        pass
            pos += 1
            if 1 <= tick <= 6:
                t0 = time.monotonic()
                codes, _ = exchange(port, chat_request(), timeout=30)
                answered += codes[:1] == ["200"]
                worst = max(worst, time.monotonic() - t0)
            tick += 1
        for key, _ in sel.select(timeout=max(0.0, start + tick - time.monotonic())):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_after[key.fileobj] = time.monotonic() - start
                sel.unregister(key.fileobj)
    times = sorted(closed_after.values())
    row("100 connections sending one header byte per second (slowloris)",
        f"{answered} of 6 ordinary requests answered during the attack, slowest {worst * 1000:.1f} ms; "
        f"{len(times)} of {len(loris)} trickling connections closed after "
        f"{times[0] if times else float('nan'):.1f}-{times[-1] if times else float('nan'):.1f} s (head deadline)")
    for s in loris:
        s.close()

    # A 100 MB chunked POST: the answer and the router's peak RSS growth.
    hwm = rss_kib(args.pid, "VmHWM")
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    piece, sent = b"10000\r\n" + b"a" * 0x10000 + b"\r\n", 0
    s.settimeout(5)
    try:
        while sent < (100 << 20):
            s.sendall(piece)
            sent += 0x10000
    except OSError:
        pass
    codes, _ = read_answers(s, 10)
    s.close()
    row("a 100 MB `Transfer-Encoding: chunked` POST",
        f"{codes[0] if codes else 'no answer'} after {sent / (1 << 20):.1f} MiB sent; peak RSS grew by "
        f"{rss_kib(args.pid, 'VmHWM') - hwm} KiB (body_limit 1024 KiB)")

    # 10 MB after a head with neither Content-Length nor chunking, then half-close.
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: k\r\nContent-Type: application/json\r\n\r\n")
    sent = 0
    s.settimeout(5)
    try:
        while sent < (10 << 20):
            s.sendall(b"a" * 0x10000)
            sent += 0x10000
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    codes, _ = read_answers(s, 10)
    s.close()
    row("a POST with neither Content-Length nor chunking, 10 MB, then half-close",
        f"answers {' then '.join(codes) or 'nothing'} (no body, the rest is not HTTP) and closes after "
        f"{(time.monotonic() - t0) * 1000:.0f} ms, {sent / (1 << 20):.1f} MiB sent")

    codes, secs = exchange(port, b"POST /v1/chat/completions HTTP/1.1\r\nHost: k\r\n"
                                 b"Content-Length: 1073741824\r\n\r\n")
    row("a 1 GiB Content-Length", f"{codes[0] if codes else 'no answer'} in {secs * 1000:.1f} ms")
    codes, secs = exchange(port, b"POST /admin/reload HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n")
    row("`POST /admin/reload` with no body", f"{codes[0] if codes else 'no answer'} in {secs * 1000:.1f} ms "
        "(admin API off in this run: the point is the wait)")

    bad = {
        "two different Content-Length headers": b"POST /v1/chat/completions HTTP/1.1\r\nHost: k\r\n"
                                                b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "5,000 headers": b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(5000)) + b"\r\n",
        "NUL inside a header": b"GET /healthz HTTP/1.1\r\nX-A: a\0b\r\n\r\n",
        "bare LF inside a header": b"GET /healthz HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n",
    }
    for what, raw in bad.items():
        codes, secs = exchange(port, raw)
        row(what, f"{codes[0] if codes else 'no answer'} in {secs * 1000:.1f} ms")

    raw = b"".join(b"GET /%s HTTP/1.1\r\nHost: k\r\n\r\n" % p for p in (b"healthz", b"nope", b"readyz"))
    codes, _ = exchange(port, raw + b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    row("three pipelined requests (`/healthz`, `/nope`, `/readyz`)",
        f"{len(codes) - 1} answers in order: {', '.join(codes[:-1])}")
    codes, secs = exchange(port, chat_request(close=False), half_close=True)
    row("a client that half-closes after its request",
        f"answered {codes[0] if codes else 'nothing'}, then closed ({secs * 1000:.1f} ms)")

    socks = connect_many(port, 200)
    for s in socks:
        s.setblocking(True)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n")
    ok = sum(read_answers(s, 30)[0][:1] == ["200"] for s in socks)
    row("200 simultaneous connects", f"{len(socks)} connected, {ok} answered 200")
    for s in socks:
        s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["idle", "slowloris", "chunked", "table"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--rate", type=float, default=1.0)
    p.add_argument("--max-seconds", type=float, default=40.0)
    p.add_argument("--mb", type=int, default=100)
    p.add_argument("--pid", type=int, default=0)
    args = p.parse_args()
    raise_nofile()
    {"idle": idle, "slowloris": slowloris, "chunked": chunked, "table": table}[args.mode](args)


if __name__ == "__main__":
    main()
