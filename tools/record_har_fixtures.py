"""Record the real-browser HAR fixtures of ``login-doctor har`` again (tests/checks/har/fixtures/).

    python tools/record_har_fixtures.py                         # every recipe
    python tools/record_har_fixtures.py chromium-loop firefox-loop
    python tools/record_har_fixtures.py --list

Each recipe (tests/checks/har/recordings.py) starts a lab scenario on loopback, has real
Chromium 156 record it over the DevTools protocol (tests/browsers/har.py's HarRecorder, shaped
field by field after DevTools' own exporter) or has Firefox ESR export it with its own devtools
(under a private Xvfb display), and writes ``<name>.har`` plus its line in ``recordings.json``
(the scenario, the fault it was built with, the browser and version, when; for the canary flow
the canary values, which are lab values, never a person's). Every browser's sockets are checked
loopback-only before a file is kept. Rerun it after a browser upgrade, then run
``python -m pytest tests/checks/har/test_real_recordings.py`` to see the reports still name
each fault.

Needs chromium, firefox-esr, certutil and Xvfb (``.ci/run`` installs them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browsers.chromium import Chromium, ChromiumOptions, find_chromium  # noqa: E402
from tests.browsers.firefox import Firefox, FirefoxOptions, find_firefox  # noqa: E402
from tests.browsers.lab import LabScenarios  # noqa: E402
from tests.browsers.netlog import NetLog  # noqa: E402
from tests.checks.har.recordings import FIXTURES, RECIPES, Session, fixture_path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="recipes to record (default: all)")
    parser.add_argument("--list", action="store_true", help="list the recipes and exit")
    args = parser.parse_args(argv)
    if args.list:
        for r in RECIPES:
            print(f"{r.name:28} {r.scenario:36} {r.fault}")
        return 0
    unknown = set(args.names) - {r.name for r in RECIPES}
    if unknown:
        parser.error(f"no such recipe: {', '.join(sorted(unknown))} (see --list)")
    chosen = [r for r in RECIPES if not args.names or r.name in args.names]
    chromium_binary, firefox_binary = find_chromium(), find_firefox()
    if chromium_binary is None or firefox_binary is None:
        print("chromium and firefox-esr are needed (apt-get install chromium firefox-esr)", file=sys.stderr)
        return 2
    manifest_path = FIXTURES / "recordings.json"
    manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
    with tempfile.TemporaryDirectory(prefix="har-fixtures-") as tmp:
        work = Path(tmp)
        launched: list[Chromium] = []

        def launch_chromium(options: ChromiumOptions) -> Chromium:
            folder = work / f"chromium-{len(launched)}"
            folder.mkdir()
            browser = Chromium.launch(options, binary=chromium_binary, workdir=folder)
            launched.append(browser)
            return browser

        def launch_firefox(options: FirefoxOptions) -> Firefox:
            folder = Path(tempfile.mkdtemp(prefix="firefox-", dir=work))
            return Firefox.launch(options, binary=firefox_binary, workdir=folder)

        lab = LabScenarios()
        recorded = {}
        try:
            session = Session(lab, work, launch_chromium=launch_chromium, launch_firefox=launch_firefox)
            for recipe in chosen:
                recorded[recipe.name] = recipe.record(session)
                print(f"recorded {recipe.name}: {len(recorded[recipe.name].har['log']['entries'])} entries")
        finally:
            for browser in launched:
                browser.close()
                if browser.options.netlog and browser.netlog_path.exists():
                    NetLog.load(browser.netlog_path).assert_loopback_only()
            lab.close()
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    for recipe in chosen:
        result = recorded[recipe.name]
        path = fixture_path(recipe.name)
        path.write_text(json.dumps(result.har, indent=2, ensure_ascii=False) + "\n", "utf-8")
        manifest[recipe.name] = {
            "browser": recipe.browser, "browser_version": result.browser_version, "scenario": recipe.scenario,
            "fault": recipe.fault, "recorded": today, "entries": len(result.har["log"]["entries"]),
            **({"canaries": result.canaries} if result.canaries else {}),
        }
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
