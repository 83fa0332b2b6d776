"""Address scenarios: what the checklist says when the address itself is not the vendor's.

A phishing page has a valid certificate of its own (anyone can get one for a
name they registered), answers fast, and shows a sign-in form: only the address
gives it away. The scenario runs the ``url`` check with the checks that follow
it, so the report shows the whole story: the address fails, the padlock is
valid, and the checklist says "not on the official sign-in address".
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.model import Status

LOOKALIKE = "app.atera-1ab.test"
"""One slip from the lab vendor's ``atera-lab.test``: an ``l`` replaced by a ``1``."""


@scenario(
    "address-lookalike",
    f"A phishing look-alike of the sign-in address ({LOOKALIKE}, one slip from {LAB_DOMAIN}) with a valid "
    "certificate of its own and a sign-in form: the address fails while the padlock is valid.",
    expect={"url": Status.FAIL, "connectivity": Status.PASS, "certificate": Status.PASS},
    codes=["url.typosquat", "url.unofficial"],
    area="url",
)
async def lookalike(lab: Lab) -> AsyncIterator[LabRun]:
    server = await lab.https(signin_app(), names=[LOOKALIKE])
    dns = await lab.dns({LOOKALIKE: ["127.0.0.1"]})
    url = f"https://{LOOKALIKE}:{server.port}{SIGNIN_PATH}"
    yield lab.run(url, dns=dns, profile=lab.profile(), only=("url", "connectivity", "certificate"))
