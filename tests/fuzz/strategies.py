"""Hypothesis strategies that draw hostile cases, one per input kind (:data:`KINDS`).

Each mixes three sources: malformed values a careless user types, structured
attacks (deep nesting, 5,000-digit numbers, megabyte strings and lists, invalid
UTF-8, NUL bytes, special files), and valid inputs mutated one field at a time
(so the case gets past the first check and reaches the deeper ones).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.cases import DIRECTORY, FIFO, Case

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("json", "text", "markdown", "html", "junit")
CHECK_IDS = ("url", "connectivity", "certificate", "clock", "redirects", "browser")

# ----------------------------------------------------------------------------- building blocks

WEIRD_CHARS = "\x00\x01\x1b\x7f\x85\u00a0\u200e\u202e\u2028\ufeff\uffff\U0001f600аеоꓮ%@:/\\[]?#.-_ \t\n\r"
weird_text = st.text(alphabet=st.sampled_from(WEIRD_CHARS) | st.characters(), max_size=60)
big_number = st.integers(1, 6000).map(lambda n: "9" * n)
repeated = st.builds(lambda piece, n: piece * n, st.sampled_from(["a", "a.", "[", "{", "-", "%41", "xn--", "1."]),
                     st.integers(1, 200_000))


def _surrogate_text(s: str) -> str:
    return s + "\udcff"  # what os.fsdecode makes of an invalid byte in argv


hostile_text = st.one_of(weird_text, big_number, repeated, st.text(max_size=300),
                         st.text(max_size=20).map(_surrogate_text))

address_like = st.one_of(
    st.sampled_from(["1.2.3.4.5", "notanip", "::::::1", "[::1", "::1]", "256.0.0.1", "0x7f.1", "1.2.3", "fe80::1%eth0",
                     "localhost", "127.0.0.1", "[::1]:53", "a..b", "-a.com", "xn--", "ａ.com", "exämple.com", "",
                     "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:²", "8.8.8.8", "8.8.8.8:53", "time.example:123"]),
    st.ip_addresses().map(str),
    st.builds(lambda a, p: f"[{a}]:{p}", st.ip_addresses(v=6).map(str), st.integers(-5, 70000)),
    st.builds(lambda a, p: f"{a}:{p}", st.ip_addresses(v=4).map(str), st.text(max_size=6)),
    hostile_text,
)

url_like = st.one_of(
    address_like,
    st.sampled_from(["https://app.atera.com/users/login", "http://app.atera.com", "app.atera.com", "user@atera.com",
                     "https://user:pass@atera.com.evil.test/", "https://аtera.com/", "javascript:alert(1)",
                     "https://[::1]:443/", "https://9.9.9.9/", "ftp://x/", "https://%zz/", "https:///", "//x",
                     "https://a" + ".a" * 200 + "/", "https://x/" + "a" * 9000, "file:///etc/passwd"]),
    st.builds(lambda scheme, host, rest: f"{scheme}{host}{rest}",
              st.sampled_from(["https://", "http://", "", "HTTPS://", "h\ttps://"]), address_like, hostile_text),
)

# ----------------------------------------------------------------------------- addresses (url command)


@st.composite
def address_cases(draw: st.DrawFn) -> Case:
    fmt = draw(st.sampled_from(["json", "text"]))
    if draw(st.booleans()):
        lines = draw(st.lists(st.one_of(url_like.map(lambda s: s.encode("utf-8", "surrogateescape")), st.binary(max_size=300),
                                        st.integers(60_000, 200_000).map(lambda n: b"a" * n)), max_size=8))
        return Case(("url", "--format", fmt, "-"), stdin=b"\n".join(lines))
    addresses = draw(st.lists(url_like, min_size=1, max_size=5))
    return Case(("url", "--format", fmt, "--", *addresses))

# ----------------------------------------------------------------------------- --resolve values


resolve_value = st.one_of(
    st.builds(lambda h, p, a: f"{h}:{p}:{a}", st.sampled_from(["app.atera.com", "APP.atera.com.", "x", "[::1]", "", "é.com"])
              | hostile_text, st.sampled_from(["443", "0", "65536", "²", "-1", "", "80"]) | st.text(max_size=5),
              st.lists(address_like, min_size=1, max_size=20).map(",".join)),
    hostile_text,
    st.sampled_from(["app.atera.com:443", "::1:443:127.0.0.1", "a:b:c:d", ":::", "app.atera.com:443:" + ",".join(["127.0.0.1"] * 17)]),
)


@st.composite
def resolve_cases(draw: st.DrawFn) -> Case:
    values = draw(st.lists(resolve_value, min_size=1, max_size=4))
    only = draw(st.sampled_from(["url", "connectivity", "url,connectivity"]))
    argv = [arg for v in values for arg in ("--resolve", v)]
    return Case(("--headless", "--format", "json", "--timeout", "2", "--only", only, "--no-plugins", *argv,
                 "https://app.atera.com/users/login"))

# ----------------------------------------------------------------------------- argument combinations


def _option(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return values.map(lambda v: [name, v])


SPECIAL_FILES = (("fifo", FIFO), ("dir", DIRECTORY), ("empty", b""), ("junk.pem", b"\xff" * 100), ("r.json", b"{}"))
paths = st.sampled_from(["{dir}/fifo", "{dir}/dir", "{dir}/empty", "{dir}/junk.pem", "{dir}/missing", "/dev/zero",
                         "/dev/null", "{dir}/out.json", "{dir}/out.xyz", "{dir}/dir/out.md", "{dir}/nodir/x.json",
                         "", "\x00", "a" * 5000]) | hostile_text

options = st.one_of(
    _option("--timeout", st.sampled_from(["nan", "inf", "-1", "0", "1e999", "3601", "0.5", "2", " 2 ", "1_0", "²"])
            | hostile_text),
    _option("--dns-server", address_like),
    _option("--ntp-server", address_like),
    _option("--resolve", resolve_value),
    _option("--only", st.lists(st.sampled_from(CHECK_IDS) | hostile_text, max_size=4).map(",".join)),
    _option("--skip", st.lists(st.sampled_from(CHECK_IDS) | hostile_text, max_size=7).map(",".join)),
    _option("--format", st.sampled_from(FORMATS) | hostile_text),
    _option("-o", paths),
    _option("--browser-profile", paths),
    _option("--ca-file", paths),
    _option("--profile", st.sampled_from(["atera", "nope", "../atera", "{dir}/fifo", "{dir}/dir", "x.toml"]) | paths),
    _option("--note", hostile_text),
    st.sampled_from([["--quiet"], ["--no-plugins"], ["--headless"], ["--bogus"], ["-"], ["--timeout"], ["--only"]]),
    hostile_text.map(lambda s: [s]),
)


@st.composite
def argument_cases(draw: st.DrawFn) -> Case:
    chosen = draw(st.lists(options, max_size=6))
    argv = ["--headless", "--no-plugins", "--timeout", "2"] + [a for option in chosen for a in option]
    if draw(st.booleans()):
        argv.append(draw(url_like))
    if draw(st.booleans()):
        argv[:0] = ["--only", "url"]  # fast runs that still pass through every option's door
    return Case(tuple(argv), files=SPECIAL_FILES)

# ----------------------------------------------------------------------------- profile TOML


def toml_value(value: Any) -> str:
    """A small TOML writer for generated profiles (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else ("nan" if value != value else "inf")
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def toml_document(data: dict[str, Any]) -> str:
    return "\n".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in data.items()) + "\n"


@cache
def atera_profile() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((ROOT / "diagnose" / "profiles" / "atera.toml").read_text("utf-8"))


profile_scalars = st.one_of(st.none().map(lambda _: ""), st.booleans(), st.integers(), st.floats(), hostile_text,
                           url_like, st.integers(0, 300_000).map(lambda n: "x" * n))
profile_values = st.one_of(
    st.recursive(profile_scalars,
                 lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(hostile_text, inner, max_size=4)),
                 max_leaves=12),
    # very long lists of one scalar (a list of lists this long would be a generator's problem, not the program's)
    st.builds(lambda v, n: [v] * n, st.one_of(st.booleans(), st.integers(), url_like), st.integers(0, 50_000)),
)


def _paths_of(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths_of(v, (*prefix, k))
    return out


@st.composite
def profile_text(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:  # raw hostile TOML
        return draw(st.one_of(
            st.integers(1, 200_000).map(lambda n: ("a = " + "[" * n).encode()),
            st.integers(1, 100_000).map(lambda n: ("a = " + "{b=" * n).encode()),
            st.integers(1, 30_000).map(lambda n: ("[" + ".".join(["t"] * n) + "]\nx = 1\n").encode()),
            big_number.map(lambda n: f'name = "x"\nvendor = "v"\nn = {n}\n'.encode()),
            st.binary(max_size=2000),
            st.integers(1, 3).map(lambda n: b"\xef\xbb\xbf" * n + b'name = "x"\n'),
            st.integers(1_000_000, 1_200_000).map(lambda n: b"#" * n),
        ))
    data = copy.deepcopy(atera_profile())
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from([*_paths_of(data), ("new_key",), ("clock", "new"), ("plugin", "x")]))
        parent: Any = data
        for key in target[:-1]:
            parent = parent.setdefault(key, {}) if isinstance(parent, dict) else {}
        if isinstance(parent, dict):
            if draw(st.integers(0, 5)) == 0:
                parent.pop(target[-1], None)
            else:
                parent[target[-1]] = draw(profile_values)
    return toml_document(data).encode("utf-8", "surrogatepass")


@st.composite
def profile_cases(draw: st.DrawFn) -> Case:
    text = draw(profile_text())
    files = (("p.toml", text),)
    if draw(st.integers(0, 3)) == 0:  # through the diagnose command: the url and clock checks read it
        return Case(("--headless", "--format", "json", "--no-plugins", "--timeout", "2", "--only", "url,clock",
                     "--profile", "{dir}/p.toml"), files=files)
    return Case(("url", "--format", "json", "--profile", "{dir}/p.toml", "app.atera.com", "https://аtera-msp.com/"),
                files=files)

# ----------------------------------------------------------------------------- reports (render, summarize)


@cache
def fixture_reports() -> tuple[str, ...]:
    return tuple((ROOT / "tests" / "reports" / "fixtures" / f"{n}.json").read_text("utf-8")
                 for n in ("all_pass", "failures", "errors_skips", "plugin"))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), hostile_text,
              st.integers(0, 400_000).map(lambda n: "w " * n)),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(hostile_text, inner, max_size=4)),
    max_leaves=15,
)


def _mutated(draw: st.DrawFn, data: Any) -> Any:
    """``data`` (a parsed report or recording) with one to three of its values replaced by hostile
    ones, or (an object's member, one time in five) removed."""
    for _ in range(draw(st.integers(1, 3))):
        paths = _json_paths(data)
        if not paths:  # every member removed: nothing left to change
            break
        target = draw(st.sampled_from(paths))
        parent: Any = data
        for key in target[:-1]:
            parent = parent[key]
        value = draw(json_values)
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            parent.pop(target[-1], None)
        else:
            parent[target[-1]] = value
    return data


def _json_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _json_paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data[:5]):
            out += _json_paths(v, (*prefix, i))
    return out


@st.composite
def report_bytes(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.one_of(
            st.builds(lambda n, close: b"[" * n + b"]" * (n if close else 0), st.integers(1, 300_000), st.booleans()),
            st.integers(1, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
            big_number.map(lambda n: f'{{"schema_version": {n}}}'.encode()),
            st.binary(max_size=3000),
            st.sampled_from([b"NaN", b"[Infinity]", b'{"a": 1e999}', b"\xff\xfe{}", b"\xef\xbb\xbf{}", b'"\\ud800"', b""]),
            st.integers(1, 600_000).map(lambda n: b"[" + b"{}," * n + b"{}]"),
        ))
    data = _mutated(draw, json.loads(draw(st.sampled_from(fixture_reports()))))
    text = json.dumps(data, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=8)) + raw[cut:]
    return raw


@st.composite
def render_cases(draw: st.DrawFn) -> Case:
    data = draw(report_bytes())
    fmt = draw(st.sampled_from(FORMATS))
    if draw(st.integers(0, 3)) == 0:
        return Case(("render", "-", "--format", fmt), stdin=data)
    if draw(st.integers(0, 15)) == 0:
        return Case(("render", draw(st.sampled_from(["{dir}/fifo", "{dir}/dir", "/dev/zero", "{dir}/none"])),
                     "--format", fmt), files=SPECIAL_FILES)
    return Case(("render", "{dir}/r.json", "--format", fmt), files=(("r.json", data),))


@st.composite
def summarize_cases(draw: st.DrawFn) -> Case:
    reports = draw(st.lists(report_bytes(), min_size=1, max_size=4))
    files = tuple((f"in/r{i}.json", data) for i, data in enumerate(reports)) + (("in/fifo.json", FIFO),) * draw(
        st.integers(0, 1))
    fmt = draw(st.sampled_from(["markdown", "csv", "json"]))
    if draw(st.booleans()):
        names = b"\n".join([b"{dir}/in/r0.json", draw(st.binary(max_size=200)), b"\x00", b"a" * 5000])
        return Case(("summarize", "-", "--format", fmt), files=files, stdin=names)
    return Case(("summarize", "{dir}/in", "--format", fmt), files=files)

# ----------------------------------------------------------------------------- PEM and DER


@cache
def sample_certificates() -> tuple[bytes, ...]:
    """Three DER certificates made once (a CA, a leaf, one with many extensions)."""
    from diagnose.lab.pki import CertificateAuthority

    ca = CertificateAuthority.create("fuzz root")
    leaf = ca.intermediate("fuzz issuing").issue(["a.test", "*.b.test"])
    from cryptography.hazmat.primitives.serialization import Encoding

    return (ca.certificate.public_bytes(Encoding.DER), leaf.certificate.public_bytes(Encoding.DER),
            leaf.chain[0].public_bytes(Encoding.DER) if leaf.chain else ca.certificate.public_bytes(Encoding.DER))


def pem_of(der: bytes, label: str = "CERTIFICATE") -> bytes:
    body = base64.encodebytes(der)
    return f"-----BEGIN {label}-----\n".encode() + body + f"-----END {label}-----\n".encode()


@st.composite
def certificate_file(draw: st.DrawFn) -> bytes:
    certs = sample_certificates()
    der = draw(st.sampled_from(certs))
    choice = draw(st.integers(0, 11))
    mutate: dict[int, Callable[[], bytes]] = {
        0: lambda: der,
        1: lambda: pem_of(der),
        2: lambda: der[: draw(st.integers(0, len(der)))],
        3: lambda: pem_of(der)[: draw(st.integers(0, len(pem_of(der))))],
        4: lambda: _flip(der, draw(st.integers(0, len(der) - 1)), draw(st.integers(1, 255))),
        5: lambda: b"".join(pem_of(c) for c in certs) * draw(st.integers(1, 400)),
        6: lambda: pem_of(der, draw(st.sampled_from(["PRIVATE KEY", "X509 CRL", "TRUSTED CERTIFICATE", "CERTIFICATE"]))),
        7: lambda: b"-----BEGIN CERTIFICATE-----\n" + draw(st.binary(max_size=400)) + b"\n-----END CERTIFICATE-----\n",
        8: lambda: draw(st.binary(max_size=3000)),
        9: lambda: pem_of(_flip(der, draw(st.integers(0, len(der) - 1)), draw(st.integers(1, 255)))),
        10: lambda: b"\x30\x84\xff\xff\xff\xff" + b"\x00" * draw(st.integers(0, 70_000)),
        11: lambda: pem_of(der) * 1001,
    }
    return mutate[choice]()


def _flip(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1:]


@st.composite
def certificate_cases(draw: st.DrawFn) -> Case:
    data = draw(certificate_file())
    return Case(("--headless", "--format", "json", "--no-plugins", "--timeout", "2", "--only", "url",
                 "--ca-file", "{dir}/ca.pem", "https://app.atera.com/users/login"), files=(("ca.pem", data),))

# ----------------------------------------------------------------------------- HAR files


@cache
def sample_hars() -> tuple[str, ...]:
    from tests.diagnose.har.shapes import Step, chrome_har, firefox_har

    steps = [Step("https://app.atera.com/", 302, location="/users/login", set_cookies=["s=1; Secure"]),
             Step("https://app.atera.com/users/login", 200, cookie="s=1", body="<form></form>")]
    return json.dumps(chrome_har(steps)), json.dumps(firefox_har(steps))


@st.composite
def har_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 7)) == 0:
        return draw(report_bytes())  # the same structural attacks as reports
    data = _mutated(draw, json.loads(draw(st.sampled_from(sample_hars()))))
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@st.composite
def har_cases(draw: st.DrawFn) -> Case:
    data = draw(har_bytes())
    extra = ("--sanitize", "{dir}/safe.har") if draw(st.booleans()) else ()
    return Case(("har", "{dir}/r.har", "--format", draw(st.sampled_from(FORMATS)), "-q", *extra),
                files=(("r.har", data),))


# ----------------------------------------------------------------------------- the kinds

KINDS: dict[str, st.SearchStrategy[Case]] = {
    "addresses": address_cases(),
    "arguments": argument_cases(),
    "profile_toml": profile_cases(),
    "report_render": render_cases(),
    "report_summarize": summarize_cases(),
    "pem_der": certificate_cases(),
    "resolve": resolve_cases(),
    "har": har_cases(),
}
"""Input kind → strategy of :class:`~tests.fuzz.cases.Case`."""

def healthy(kind: str) -> Case:
    """A healthy run of ``kind``: the memory baseline its hostile runs are measured against."""
    fixture = str(ROOT / "tests/reports/fixtures/failures.json")
    cases = {
        "addresses": Case(("url", "--format", "json", "https://app.atera.com/users/login")),
        "arguments": Case(("--headless", "--no-plugins", "--format", "json", "--timeout", "2", "https://app.atera.com/")),
        "profile_toml": Case(("url", "--format", "json", "--profile", "{dir}/p.toml", "app.atera.com"),
                             files=(("p.toml", toml_document(atera_profile()).encode()),)),
        "report_render": Case(("render", fixture, "--format", "text")),
        "report_summarize": Case(("summarize", str(ROOT / "tests/reports/fixtures"), "--format", "json")),
        "pem_der": Case(("--headless", "--format", "json", "--no-plugins", "--timeout", "2", "--only", "url",
                         "--ca-file", "{dir}/ca.pem"), files=(("ca.pem", pem_of(sample_certificates()[0])),)),
        "resolve": Case(("--headless", "--format", "json", "--no-plugins", "--timeout", "2", "--only", "url",
                         "--resolve", "app.atera.com:443:127.0.0.1", "https://app.atera.com/")),
        "har": Case(("har", "{dir}/r.har", "--format", "json", "-q"), files=(("r.har", sample_hars()[0].encode()),)),
    }
    return cases[kind]
