"""The healthy scenario: everything a correct sign-in needs is in place."""

from __future__ import annotations

from collections.abc import AsyncIterator

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.model import Status


@scenario(
    "healthy",
    "A healthy sign-in service: DNS answers, HTTPS with a valid certificate, the page loads.",
    expect={"connectivity": Status.PASS},
    area="foundation",
)
async def healthy(lab: Lab) -> AsyncIterator[LabRun]:
    host = f"app.{LAB_DOMAIN}"
    site = await lab.https(signin_app(), names=[host, LAB_DOMAIN])
    dns = await lab.dns({host: ["127.0.0.1"], LAB_DOMAIN: ["127.0.0.1"]})
    yield lab.run(f"https://{host}:{site.port}{SIGNIN_PATH}", dns=dns)
