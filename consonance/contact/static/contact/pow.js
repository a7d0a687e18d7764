// The contact form's proof of work (ALTCHA format, SHA-256): find the number n for which
// SHA-256(salt + n) equals the challenge, while the visitor writes. Served from this site;
// no third party is involved. Without a solution the server asks again.
(function () {
  "use strict";
  var form = document.querySelector("form[data-challenge]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var field = form.querySelector("input[name=altcha]");
  var status = form.querySelector(".pow-status");
  var challenge = JSON.parse(form.getAttribute("data-challenge"));
  var encoder = new TextEncoder();
  var solution = null;
  var submitting = false;

  function say(key) { if (status) { status.textContent = form.getAttribute("data-" + key); } }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  async function solve() {
    var batch = 200;
    for (var start = 0; start <= challenge.maxNumber; start += batch) {
      var tries = [];
      for (var n = start; n < start + batch && n <= challenge.maxNumber; n++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      var hashes = await Promise.all(tries);
      for (var i = 0; i < hashes.length; i++) {
        if (hex(hashes[i]) === challenge.challenge) { return start + i; }
      }
    }
    return null;
  }

  say("working");
  var work = solve().then(function (number) {
    if (number === null) { say("failed"); return; }
    solution = btoa(JSON.stringify({
      algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
      salt: challenge.salt, signature: challenge.signature
    }));
    field.value = solution;
    say("done");
    if (submitting) { form.submit(); }
  }, function () { say("failed"); });

  form.addEventListener("submit", function (event) {
    if (solution) { return; }
    event.preventDefault();
    submitting = true;
    say("working");
    return work;
  });
})();
