"""The contact form: a post as a person's browser makes it, proof of work included."""

from __future__ import annotations

import base64
import html as html_lib
import json
import re

import altcha

# --------------------------------------------------------------------------------------------
# Contact form (issue 9): a form post as a person's browser makes it, proof of work included.
# --------------------------------------------------------------------------------------------


def contact_page_fields(html: str) -> dict[str, str]:
    """The hidden token and the solved proof of work from a rendered contact page."""
    token = re.search(r'name="token" value="([^"]+)"', html)
    challenge = re.search(r'data-challenge="([^"]+)"', html)
    assert token and challenge, "the contact page must carry a form token and a challenge"
    data = json.loads(html_lib.unescape(challenge.group(1)))
    solution = altcha.solve_challenge_v1(
        data["challenge"], data["salt"], data["algorithm"], data["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": data["algorithm"],
        "challenge": data["challenge"],
        "number": solution.number,
        "salt": data["salt"],
        "signature": data["signature"],
    }
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"token": html_lib.unescape(token.group(1)), "altcha": encoded}


def contact_form(n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "name": "Karin Sjöberg",
        "email": f"karin{n}@example.se",
        "message": "Hej! Har du lediga tider i januari? Hälsningar Karin",
        "website": "",
        **extra,
    }
