"""Benchmark: `login-doctor har` on a generated 200 MB recording, analysed and sanitized.

Run:  python benchmarks/bench_har.py [--mb 200] [--keep DIR]
      python benchmarks/bench_har.py --entries 120000      # many small entries: the 100,000-entry cap

It writes a Chrome-shaped HAR (a sign-in flow, then page loads with HTML,
scripts, JSON, images as base64, fonts; cookies, tokens and a password form
on the way) into a temporary directory, runs the real command as a child
process (`python -m diagnose har FILE --sanitize OUT --format json`), and
prints the wall time, the child's peak RSS (getrusage), the throughput and
what the report says about the file. The goal (issue 16): peak RSS under
300 MB for 200 MB.

``--entries N`` writes N small entries instead (the suite checks the entry cap
with a few thousand entries and a lowered limit; this runs it at full size,
through the command, with the default limit of 100,000 analysed entries).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.diagnose.har.shapes import Step, chrome_entry  # noqa: E402


def _steps(rng: random.Random, i: int, t: float) -> Step:
    kind = rng.random()
    host = rng.choice(["app.atera.com", "static.atera.com", "cdn.example.net", "api.atera.com"])
    if kind < 0.15:
        body = "<!doctype html><html><head><title>Atera</title></head><body>" + (
            f'<div class="row"><input type="hidden" name="authenticity_token" value="{base64.b64encode(rng.randbytes(24)).decode()}">'
        ) + ("<p>" + "lorem ipsum dolor sit amet " * 40 + "</p>") * rng.randint(10, 60) + "</body></html>"
        return Step(f"https://{host}/page/{i}?ref=nav", body=body, at=t, set_cookies=[f"sid{i % 7}={rng.randbytes(16).hex()}; Path=/; Secure; HttpOnly; SameSite=Lax"],
                    cookie=f"sid=abc{rng.randbytes(8).hex()}; _ga=GA1.2.{rng.randint(1, 10**9)}")
    if kind < 0.45:
        body = "!function(e){var t={};" + "function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}" * rng.randint(200, 1500) + "}();"
        return Step(f"https://{host}/assets/app.{i}.js", dest="script", resource_type="script", mime="application/javascript", body=body, at=t,
                    initiator={"type": "parser", "url": "https://app.atera.com/", "lineNumber": 12})
    if kind < 0.65:
        data = {"items": [{"id": j, "name": f"device-{j}", "status": "online", "access_token": base64.b64encode(rng.randbytes(18)).decode()} for j in range(rng.randint(5, 200))]}
        return Step(f"https://api.atera.com/v3/devices?page={i}", dest="empty", resource_type="fetch", mime="application/json", body=json.dumps(data), at=t,
                    request_headers=[("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9." + base64.urlsafe_b64encode(rng.randbytes(60)).decode().rstrip("=") + "." + base64.urlsafe_b64encode(rng.randbytes(64)).decode().rstrip("="))])
    if kind < 0.9:
        return Step(f"https://{host}/img/{i}.png", dest="image", resource_type="image", mime="image/png", body=rng.randbytes(rng.randint(2000, 60000)).hex(), base64=True, at=t)
    return Step(f"https://{host}/fonts/{i}.woff2", dest="font", resource_type="font", mime="font/woff2", body="", at=t, from_cache="disk")


def generate(path: Path, target_bytes: int) -> int:
    rng = random.Random(16)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [{"startedDateTime": "2026-11-22T10:00:00.000Z", "id": "page_1", "title": "https://app.atera.com/users/login", "pageTimings": {"onContentLoad": 100, "onLoad": 200}}], "entries": [\n')
        login = [
            Step("https://app.atera.com/users/login", status=302, location="https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&state=st4teVALUE", at=0.0),
            Step("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&state=st4teVALUE", at=0.2,
                 post={"mimeType": "application/x-www-form-urlencoded", "text": "login=a%40b.c&passwd=hunter2hunter2", "params": [{"name": "login", "value": "a@b.c"}, {"name": "passwd", "value": "hunter2hunter2"}]}, method="POST"),
            Step("https://app.atera.com/auth/callback?code=c0deVALUE&state=st4teVALUE", status=302, location="/", set_cookies=["session=s3ssionVALUE; Path=/; Secure; HttpOnly"], at=1.0),
        ]
        written = 0
        count = 0
        for step in login:
            text = json.dumps(chrome_entry(step))
            fh.write(("," if count else "") + text + "\n")
            written += len(text)
            count += 1
        t = 2.0
        while written < target_bytes:
            text = json.dumps(chrome_entry(_steps(rng, count, t)))
            fh.write("," + text + "\n")
            written += len(text) + 2
            count += 1
            t += rng.random() * 0.3
        fh.write("]}}\n")
    return count


TINY = ('{"startedDateTime":"2026-11-22T10:00:%02d.000Z","request":{"method":"GET","url":"https://cdn.test/a%d.png",'
        '"headers":[]},"response":{"status":200,"headers":[{"name":"Date","value":"Sun, 22 Nov 2026 10:00:00 GMT"}]}}')


def generate_many(path: Path, count: int) -> int:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[\n')
        fh.write(",\n".join(TINY % (i % 60, i) for i in range(count)))
        fh.write("]}}\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0)
    parser.add_argument("--entries", type=int, default=None, help="N small entries instead of --mb of realistic ones")
    parser.add_argument("--keep", type=Path, default=None, help="write the files here instead of a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        har = where / "big.har"
        began = time.perf_counter()
        entries = generate_many(har, args.entries) if args.entries else generate(har, int(args.mb * 1024 * 1024))
        size = har.stat().st_size
        print(f"generated {size / 1024**2:.1f} MB, {entries:,} entries in {time.perf_counter() - began:.1f} s")
        out = where / "big.sanitized.har"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        began = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "diagnose", "har", str(har), "--sanitize", str(out), "--format", "json"],
                              capture_output=True, text=True, env=env, cwd=ROOT)
        wall = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kb, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
        if proc.returncode not in (0, 1):
            print(proc.stderr)
            raise SystemExit(f"login-doctor har exited {proc.returncode}")
        report = json.loads(proc.stdout)
        source = report.get("source", {})
        print(f"login-doctor har --sanitize: {wall:.1f} s wall, {cpu:.1f} s CPU (wall depends on the machine's load), "
              f"{size / 1024**2 / wall:.1f} MB/s, "
              f"peak RSS {peak_kb / 1024:.0f} MB (before: {before / 1024:.0f} MB), exit {proc.returncode}")
        print(f"  entries {source.get('entries')}, analysed {source.get('entries_analysed')}, "
              f"replaced {source.get('sanitized', {}).get('replaced_total')}, sanitized copy {out.stat().st_size / 1024**2:.1f} MB")
        print(f"  goal: peak RSS < 300 MB -> {'met' if peak_kb / 1024 < 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
