"""Turn web-platform-tests cookie test pages into JSON tables (tests/suites/data/wpt-cookies/).

What it reads: a directory holding copies of upstream WPT files under their upstream paths
(``cookies/name/name.html`` ...) and a ``manifest.json`` beside them mapping each path to the
repository and commit it was read from (``{"cookies/name/name.html": {"repo": ..., "commit": ...}}``).
The upstream pages are not committed; only the JSON this writes is.

How: each page's inline ``<script>`` blocks are evaluated by Node (``node`` on PATH) in an empty
``vm`` context where the WPT helpers the tables call (``httpCookieTest``, ``httpRedirectCookieTest``,
``domCookieTest``, ``set_prefixed_cookie_via_http_test``, ``getCtlCharacters``,
``cookieStringWithNameAndValueLengths``) are small recorders written here from what those helpers
do, so computed cases (``"a".repeat(4089)``, control-character loops) come out exactly as a browser
would see them. ``.sub`` templates are filled with WPT's default host names. Pages whose assertions
live in ``.headers`` files or in iframes (``cookies/domain/*``, ``cookies/path/default.html``) are
written from their documented ``Set-Cookie`` lines by :data:`HAND_WRITTEN`.

Run:  python tools/wpt_cookie_tables.py UPSTREAM_DIR [OUT_DIR]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tests" / "suites" / "data" / "wpt-cookies"

# WPT's default configuration (tools/wptserve config.json): the names a test page sees.
HOST = "web-platform.test"
WWW = f"www.{HOST}"
WWW1 = f"www1.{HOST}"
WWW2_WWW = f"www2.www.{HOST}"
CROSS_SITE_HOST = "not-web-platform.test"
HTTP_PORT = 8000
HTTPS_PORT = 8443

SUBSTITUTIONS = {
    "{{host}}": HOST,
    "{{domains[www]}}": WWW,
    "{{domains[www1]}}": WWW1,
    "{{domains[www2.www]}}": WWW2_WWW,
    "{{ports[http][0]}}": str(HTTP_PORT),
    "{{ports[https][0]}}": str(HTTPS_PORT),
}

# Where each page runs: WPT opens some pages in another window on another origin.
PAGE_ORIGIN_OVERRIDES = {
    # opened by cookies/attributes/domain.sub.html on http://{{domains[www]}}:{{ports[http][0]}}
    "cookies/attributes/resources/domain-child.sub.html": f"http://{WWW}:{HTTP_PORT}",
    # opened by cookies/attributes/secure-non-secure.html on INSECURE_ORIGIN
    "cookies/attributes/resources/secure-non-secure-child.html": f"http://{HOST}:{HTTP_PORT}",
}

NODE_PRELUDE = r"""
const vm = require('vm');
const fs = require('fs');
const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const calls = [];
function callLine() {
  const stack = new Error().stack.split('\n');
  for (const frame of stack) {
    const m = /page:(\d+):\d+/.exec(frame);
    if (m) return Number(m[1]);
  }
  return null;
}
const ctx = {
  console,
  self: {origin: job.origin},
  document: {location: {hostname: new URL(job.origin).hostname}},
  CROSS_SITE_HOST: job.crossSiteHost,
  SECURE_CROSS_SITE_ORIGIN: job.secureCrossSiteOrigin,
  Math: Object.assign(Object.create(Math), {random: () => 0.5}),
  httpCookieTest(cookie, expected, name, defaultPath = true) {
    calls.push({helper: 'httpCookieTest', cookie, expected, name, defaultPath, line: callLine()});
  },
  httpRedirectCookieTest(cookie, expected, name, location) {
    calls.push({helper: 'httpRedirectCookieTest', cookie, expected, name, location, line: callLine()});
  },
  domCookieTest(cookie, expected, name) {
    calls.push({helper: 'domCookieTest', cookie, expected, name, line: callLine()});
  },
  set_prefixed_cookie_via_http_test(options) {
    calls.push({helper: 'set_prefixed_cookie_via_http_test', options, line: callLine()});
  },
  // RFC 5234 CTLs (%x00-1F / %x7F) as {code, chr}. Older pages iterate the result itself (every
  // CTL); newer ones read TERMINATING_CTLS (NUL, LF, CR) and CTLS (the rest): both are offered.
  getCtlCharacters() {
    const terminating = [0x00, 0x0A, 0x0D];
    const all = [...Array(0x20).keys()].concat([0x7F]);
    const entry = code => ({code, chr: String.fromCharCode(code)});
    const result = all.map(entry);
    result.TERMINATING_CTLS = terminating.map(entry);
    result.CTLS = all.filter(c => !terminating.includes(c)).map(entry);
    return result;
  },
  // name made of "t", value made of "1", joined by "=".
  cookieStringWithNameAndValueLengths(nameLength, valueLength) {
    return `${'t'.repeat(nameLength)}=${'1'.repeat(valueLength)}`;
  },
};
vm.createContext(ctx);
for (const block of job.scripts) {
  vm.runInContext(block.code, ctx, {filename: 'page', lineOffset: block.line - 1});
}
process.stdout.write(JSON.stringify(calls));
"""

SCRIPT_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<code>.*?)</script>", re.S | re.I)


def page_url(path: str) -> str:
    if path in PAGE_ORIGIN_OVERRIDES:
        return f"{PAGE_ORIGIN_OVERRIDES[path]}/{path}"
    name = path.rsplit("/", 1)[-1]
    secure = ".https." in name
    host = WWW if ".www." in name else HOST
    scheme, port = ("https", HTTPS_PORT) if secure else ("http", HTTP_PORT)
    return f"{scheme}://{host}:{port}/{path}"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def inline_scripts(text: str) -> list[dict[str, Any]]:
    blocks = []
    for match in SCRIPT_RE.finditer(text):
        if "src=" in match.group("attrs"):
            continue
        line = text.count("\n", 0, match.start("code")) + 1
        blocks.append({"code": match.group("code"), "line": line})
    return blocks


def run_node(path: str, text: str) -> list[dict[str, Any]]:
    for key, value in SUBSTITUTIONS.items():
        text = text.replace(key, value)
    url = page_url(path)
    job = {
        "scripts": inline_scripts(text),
        "origin": origin_of(url),
        "crossSiteHost": CROSS_SITE_HOST,
        "secureCrossSiteOrigin": f"https://{CROSS_SITE_HOST}:{HTTPS_PORT}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        prelude = Path(tmp) / "prelude.js"
        prelude.write_text(NODE_PRELUDE, "utf-8")
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job), "utf-8")
        out = subprocess.run(["node", str(prelude), str(job_file)], capture_output=True, text=True,
                             timeout=60, check=True)
    calls: list[dict[str, Any]] = json.loads(out.stdout)
    return calls


def entry_line(lines: list[str], name: str, fallback: int | None) -> int | None:
    """The line of the table entry naming this test, else the line of the call."""
    for quote in ('"', "'", "`"):
        needle = f"{quote}{name}{quote}"
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return number
    return fallback


def as_list(cookie: str | list[str]) -> list[str]:
    return list(cookie) if isinstance(cookie, list) else [cookie]


def case_from_call(call: dict[str, Any], url: str, lines: list[str]) -> dict[str, Any]:
    origin = origin_of(url)
    helper = call["helper"]
    if helper == "set_prefixed_cookie_via_http_test":
        options = call["options"]
        name = options["prefix"] + "prefixtestcookie"
        value = "0.5"  # the upstream value is Math.random(); any value does
        target = options["origin"]
        expected = f"{name}={value}" if options["shouldExistViaHTTP"] else ""
        return {
            "name": options["title"], "line": call["line"], "helper": helper,
            "setter": "http", "set_url": f"{target}/cookies/resources/set.py",
            "set_cookie": [f"{name}={value};{options['params']}"],
            "get_url": f"{target}/cookies/resources/list.py", "read_via": "http",
            "expected": expected, "compare": "named", "names": [name],
            "context": "same-site" if target == origin else "cross-site",
        }
    base: dict[str, Any] = {
        "name": call["name"], "line": entry_line(lines, call["name"], call["line"]), "helper": helper,
        "set_cookie": as_list(call["cookie"]), "read_via": "document.cookie",
        "expected": call["expected"], "compare": "all", "names": [], "context": "same-site",
    }
    if helper == "domCookieTest":
        base.update(setter="document.cookie", set_url=url, get_url=url)
    elif helper == "httpCookieTest":
        get_url = f"{origin}/cookies/resources/echo-cookie.html" if call["defaultPath"] else url
        base.update(setter="http", set_url=f"{origin}/cookies/resources/cookie.py", get_url=get_url)
    elif helper == "httpRedirectCookieTest":
        base.update(setter="http", set_url=f"{origin}/cookies/resources/cookie.py",
                    get_url=urljoin(url, call["location"]))
    else:  # pragma: no cover - a new helper in an upstream page
        raise ValueError(f"unknown helper {helper}")
    return base


def _domain_page(path: str, set_cookie: list[str], cookie: str, sub_expected: str,
                 lines: dict[str, Any]) -> list[dict[str, Any]]:
    url = page_url(path)
    name = cookie.split("=", 1)[0]
    same = {"setter": "http", "set_url": url, "set_cookie": set_cookie, "compare": "named", "names": [name],
            "context": "same-site", "helper": "headers-file"}
    return [
        {**same, "name": lines["dom_name"], "line": lines["dom"], "get_url": url, "read_via": "document.cookie",
         "expected": cookie},
        {**same, "name": lines["same_name"], "line": lines["same"], "get_url": f"{origin_of(url)}/cookies/resources/list.py",
         "read_via": "http", "expected": cookie},
        {**same, "name": lines["sub_name"], "line": lines["sub"],
         "get_url": f"https://{WWW}:{HTTPS_PORT}/cookies/resources/list.py", "read_via": "http",
         "expected": sub_expected},
    ]


def hand_written() -> dict[str, list[dict[str, Any]]]:
    """Pages whose Set-Cookie lines live in .headers files (quoted in the page) or in iframe helpers."""
    pages: dict[str, list[dict[str, Any]]] = {}
    h = HOST
    for path, set_cookie, final, label in (
        ("cookies/domain/domain-attribute-host-with-and-without-leading-period.sub.https.html",
         [f"domain-attribute-host-with-and-without-leading-period=b; Path=/; Domain=.{h}",
          f"domain-attribute-host-with-and-without-leading-period=c; Path=/; Domain={h}"],
         "domain-attribute-host-with-and-without-leading-period=c", f"Domain=.{h} => Second value"),
        ("cookies/domain/domain-attribute-host-with-leading-period.sub.https.html",
         [f"domain-attribute-host-with-leading-period=b; Path=/; Domain=.{h}"],
         "domain-attribute-host-with-leading-period=b", f"Domain=.{h} =>"),
        ("cookies/domain/domain-attribute-matches-host.sub.https.html",
         [f"domain-attribute-matches-host=b; Path=/; Domain={h}"],
         "domain-attribute-matches-host=b", f"Domain={h} =>"),
    ):
        pages[path] = _domain_page(path, set_cookie, final, final, {
            "dom": 20, "dom_name": f"{label} available via `document.cookie`",
            "same": 29, "same_name": f"{label} sent with same-origin requests.",
            "sub": 38, "sub_name": f"{label} sent with subdomain requests.",
        })
    # two Set-Cookie comment lines push the first file's tests one line down
    for case, line in zip(pages["cookies/domain/domain-attribute-host-with-and-without-leading-period.sub.https.html"],
                          (21, 30, 39), strict=True):
        case["line"] = line
    missing = "cookies/domain/domain-attribute-missing.sub.html"
    pages[missing] = _domain_page(missing, ["domain-attribute-missing=b; Path=/"], "domain-attribute-missing=b", "", {
        "dom": 20, "dom_name": "No domain attribute => available via `document.cookie`",
        "same": 29, "same_name": "No domain attribute => sent with same-origin requests.",
        "sub": 38, "sub_name": "No domain attribute => not sent with subdomain requests.",
    })
    # a host-only cookie is not sent to the subdomain (SECURE_SUBDOMAIN_ORIGIN)
    default_set = f"http://{h}:{HTTP_PORT}/cookies/resources/set.py?cookies-path-default=1"
    echo = f"http://{h}:{HTTP_PORT}/cookies/resources/echo-cookie.html"
    pages["cookies/path/default.html"] = [
        {"name": "cookie can be retrieved from expected path", "line": 29, "helper": "iframe",
         "setter": "http", "set_url": default_set, "set_cookie": ["cookies-path-default=1"],
         "get_url": echo, "read_via": "document.cookie", "expected": "cookies-path-default=1",
         "compare": "named", "names": ["cookies-path-default"], "context": "same-site"},
        {"name": "cookie can be referenced using the expected path", "line": 49, "helper": "iframe",
         "setter": "http", "set_url": default_set,
         "set_cookie": ["cookies-path-default=1",
                        "cookies-path-default=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/cookies/resources"],
         "get_url": echo, "read_via": "document.cookie", "expected": "",
         "compare": "named", "names": ["cookies-path-default"], "context": "same-site",
         "note": "upstream expires the cookie from the iframe with expireCookie(name, '/cookies/resources'); "
                 "the expiring line here is that helper's effect written as a Set-Cookie line"},
    ]
    return pages


def write(out_dir: Path, path: str, repo: str, commit: str, cases: list[dict[str, Any]]) -> Path:
    target = out_dir / (path.removeprefix("cookies/") + ".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = {"upstream": {"repository": repo, "path": path, "commit": commit, "page_url": page_url(path)},
           "cases": cases}
    target.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return target


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    upstream = Path(argv[1])
    out_dir = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUT
    manifest: dict[str, dict[str, str]] = json.loads((upstream / "manifest.json").read_text("utf-8"))
    hand = hand_written()
    total = 0
    for path, meta in sorted(manifest.items()):
        if path in hand:
            cases = hand.pop(path)
        else:
            text = (upstream / "files" / path).read_text("utf-8")
            url = page_url(path)
            cases = [case_from_call(call, url, text.splitlines()) for call in run_node(path, text)]
        if not cases:
            continue
        write(out_dir, path, meta["repo"], meta["commit"], cases)
        total += len(cases)
        print(f"{path}: {len(cases)}")
    for path, cases in sorted(hand.items()):
        meta = manifest.get(path, {"repo": "divmain/wpt", "commit": "5942d002aa87eaaa5e100b456fa08eb7eaf6494d"})
        write(out_dir, path, meta["repo"], meta["commit"], cases)
        total += len(cases)
        print(f"{path}: {len(cases)} (hand-written)")
    print(f"total: {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
