"""The contact form's own proof-of-work script (static/contact/pow.js) solves what the server
issues: run in Node's WebCrypto with a stand-in for the page, its answer passes the server check."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from consonance.contact.protection import challenge_json, challenge_spend

SCRIPT = Path(__file__).resolve().parent.parent / "consonance/contact/static/contact/pow.js"

HARNESS = r"""
const fs = require("fs");
const challenge = process.argv[3];
const field = { value: "" };
const status = { textContent: "" };
let onSubmit = null;
const form = {
  getAttribute: (name) => name === "data-challenge" ? challenge : "(" + name + ")",
  querySelector: (sel) => sel.includes("altcha") ? field : status,
  addEventListener: (type, fn) => { onSubmit = fn; },
  submit: () => { console.log(JSON.stringify({ submitted: true, value: field.value })); },
};
globalThis.document = { querySelector: () => form };
globalThis.window = globalThis;
new Function(fs.readFileSync(process.argv[2], "utf8"))();
// The visitor presses "Skicka" at once: the script holds the form until the work is done.
let prevented = false;
onSubmit({ preventDefault: () => { prevented = true; } });
setTimeout(() => { if (!prevented) { console.log("not held"); process.exit(1); } }, 0);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for WebCrypto")
@pytest.mark.django_db
def test_the_browser_script_solves_the_servers_challenge(tmp_path):
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    result = subprocess.run(
        ["node", str(harness), str(SCRIPT), challenge_json()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["submitted"] is True
    assert challenge_spend(answer["value"]) is True
    assert challenge_spend(answer["value"]) is False  # once only
