"""Record real Chromium's verdict on the vendored x509-limbo SERVER cases (the oracle file).

x509-limbo publishes no Chromium results, so this tool asks Chromium itself: each case is served
on loopback by a TLS server holding the case's leaf key (vendored for this purpose), sending the
leaf and the case's untrusted intermediates in order; a fresh headless Chromium (its own NSS
database trusting exactly the case's trusted certificates, host names mapped to loopback) loads
``https://<expected peer name>:<port>/``; its navigation error and the net-log's certificate
verification (``cert_status`` flags) are recorded.

Cases that cannot run in a browser are recorded with the reason: a fixed ``validation_time``
(Chromium verifies at the real time; the certificates of those cases are only valid then), no leaf
key (the real-world chains), no peer name, or a leaf key no TLS server here can use.

    python tools/limbo_chromium.py                 # every case, ~3 s each; writes the oracle file
    python tools/limbo_chromium.py --only 'rfc5280::nc::*' --print

The output (``tests/suites/data/x509-limbo/results/chromium.json``) is test data: the limbo test
reads it as Chromium's verdict. Rerun it when Chromium or the vendored suite changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "tests" / "suites" / "data" / "x509-limbo" / "results" / "chromium.json"


def _unrunnable(case: Any) -> str:
    if case.validation_time is not None:
        return f"fixed validation time {case.validation_time.isoformat()} (Chromium verifies at the real time)"
    if not case.peer_certificate_key:
        return "no leaf private key in the suite (a real-world chain)"
    if case.expected_peer_name is None:
        return "no expected peer name to load"
    return ""


def _serve(case: Any, thread: Any) -> Any:
    """Start a TLS server presenting the case's leaf and intermediates; returns the LabServer."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from diagnose.lab.pki import Issued
    from diagnose.lab.servers import LabResponse, LabServer, server_context

    leaf = x509.load_pem_x509_certificate(case.peer_certificate.encode())
    key = load_pem_private_key(case.peer_certificate_key.encode(), None)
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in case.untrusted_intermediates]
    issued = Issued(leaf, key, ())  # type: ignore[arg-type]  # any key type the case uses
    context = server_context(issued, chain=chain, ciphers="ALL:@SECLEVEL=0")
    host = "127.0.0.1"  # every name, IPv6 literals too, is mapped to 127.0.0.1 by the host rules
    server = LabServer(lambda _r: LabResponse.html("<h1>limbo</h1>"), tls=context, host=host)
    thread.run(server.start())
    return server


def _url(case: Any, port: int) -> str:
    value = case.expected_peer_name.value
    return f"https://[{value}]:{port}/" if ":" in value else f"https://{value}:{port}/"


def run_case(case: Any, thread: Any, binary: str) -> dict[str, Any]:
    from tests.browsers.chromium import Chromium, ChromiumOptions

    try:
        server = _serve(case, thread)
    except Exception as exc:  # a key type or size this OpenSSL will not serve
        return {"ran": False, "reason": f"the TLS server cannot use this leaf: {type(exc).__name__}: {exc}"[:300]}
    try:
        with tempfile.TemporaryDirectory(prefix="limbo-chromium-") as tmp:
            roots = []
            for index, pem in enumerate(case.trusted_certs):
                path = Path(tmp) / f"root-{index}.pem"
                path.write_text(pem, "ascii")
                roots.append(path)
            work = Path(tmp) / "browser"
            work.mkdir()
            with Chromium.launch(ChromiumOptions(trusted_roots=tuple(roots)), binary=binary, workdir=work) as browser:
                page = browser.new_context().new_page()
                result = page.navigate(_url(case, server.port), timeout=15)
                verifications = [v for v in browser.netlog().cert_verifications()]
                browser.netlog().assert_loopback_only()
                version = browser.version
    finally:
        thread.run(server.close())
    verification = verifications[-1] if verifications else None
    error = result.error
    return {
        "ran": True,
        "chromium": version,
        "result": "SUCCESS" if error is None and result.status is not None else "FAILURE",
        "net_error": error,
        "cert_status": list(verification.cert_status) if verification else [],
        "verifier_error": verification.net_error if verification else None,
        "known_root": verification.known_root if verification else None,
    }


def main(argv: list[str] | None = None) -> int:
    from diagnose.lab.servers import LabThread
    from tests.browsers.chromium import find_chromium
    from tests.suites.x509_limbo import LIMBO_FILE, load_limbo_cases

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="glob over case ids (repeatable)")
    parser.add_argument("--print", action="store_true", help="print results, do not write the oracle file")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    binary = find_chromium()
    if binary is None:
        print("Chromium is not installed", file=sys.stderr)
        return 2
    cases = [c for c in load_limbo_cases() if not args.only or any(fnmatch.fnmatch(c.id, p) for p in args.only)]
    results: dict[str, Any] = {}
    started = time.monotonic()
    with LabThread() as thread:
        for case in cases:
            reason = _unrunnable(case)
            entry: dict[str, Any] = {"expected": case.expected_result}
            entry |= {"ran": False, "reason": reason} if reason else run_case(case, thread, binary)
            results[case.id] = entry
            print(f"{case.id}: {entry.get('result', 'not run')} {entry.get('net_error') or entry.get('reason') or ''}",
                  file=sys.stderr)
    version = next((e["chromium"] for e in results.values() if e.get("chromium")), "")
    document = {
        "about": "Real Chromium's verdict on each vendored x509-limbo SERVER case (tools/limbo_chromium.py)",
        "chromium": version,
        "recorded": dt.date.today().isoformat(),
        "suite_file": LIMBO_FILE.name,
        "cases": results,
    }
    print(f"{len(results)} cases in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.print:
        print(json.dumps(document, indent=1))
    else:
        args.output.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", "utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
