// The member's private fields (P4), encrypted in the browser with WebCrypto. The server gets
// and stores only ciphertext: a random AES-256-GCM data key encrypts the fields; that key is
// wrapped twice, by a key derived from her passphrase (PBKDF2-SHA256) and by a key derived from
// a printed recovery key. Lose both and the fields are gone: that is the point.
(function () {
  "use strict";
  var root = document.getElementById("vault");
  if (!root) return;
  var ITERATIONS = 600000;
  var AAD = new TextEncoder().encode("consonance-vault-v1");
  var subtle = window.crypto && window.crypto.subtle;
  var state = { vault: null, dataKey: null };

  function $(id) { return document.getElementById(id); }
  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function status(text) { $("vault-status").textContent = text; }
  function show(id) {
    ["vault-setup", "vault-recovery", "vault-locked", "vault-open"].forEach(function (s) {
      $(s).hidden = s !== id;
    });
  }
  function b64(bytes) {
    var s = "";
    new Uint8Array(bytes).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s);
  }
  function unb64(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function concat(a, b) {
    var out = new Uint8Array(a.length + b.byteLength);
    out.set(a, 0); out.set(new Uint8Array(b), a.length);
    return out;
  }
  var ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I: easy to copy by hand
  function recoveryKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(25)), out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += ALPHABET[bytes[i] % 32];
      if (i % 5 === 4 && i < bytes.length - 1) out += "-";
    }
    return out; // 25 characters of 5 bits: 125 bits
  }
  function normaliseRecovery(text) { return text.toUpperCase().replace(/[^A-Z0-9]/g, ""); }

  function deriveKey(secret, salt, iterations) {
    return subtle.importKey("raw", new TextEncoder().encode(secret), "PBKDF2", false, ["deriveKey"])
      .then(function (base) {
        return subtle.deriveKey(
          { name: "PBKDF2", salt: salt, iterations: iterations, hash: "SHA-256" },
          base, { name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
      });
  }
  function wrap(dataKey, kek) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return subtle.wrapKey("raw", dataKey, kek, { name: "AES-GCM", iv: iv, additionalData: AAD })
      .then(function (ct) { return b64(concat(iv, ct)); });
  }
  function unwrap(text, kek) {
    var blob = unb64(text);
    return subtle.unwrapKey("raw", blob.slice(12), kek,
      { name: "AES-GCM", iv: blob.slice(0, 12), additionalData: AAD },
      { name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  }
  function encryptFields(fields) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(fields));
    return subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: AAD }, state.dataKey, plain)
      .then(function (ct) { return b64(concat(iv, ct)); });
  }
  function decryptFields(text) {
    if (!text) return Promise.resolve({});
    var blob = unb64(text);
    return subtle.decrypt({ name: "AES-GCM", iv: blob.slice(0, 12), additionalData: AAD },
      state.dataKey, blob.slice(12))
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }
  function readFields() {
    return {
      preferred_name: $("f-preferred").value,
      goals: $("f-goals").value,
      notes: $("f-notes").value
    };
  }
  function fillFields(fields) {
    $("f-preferred").value = fields.preferred_name || "";
    $("f-goals").value = fields.goals || "";
    $("f-notes").value = fields.notes || "";
  }
  function post(vault) {
    return fetch(root.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": root.getAttribute("data-csrf") },
      body: JSON.stringify(vault)
    }).then(function (r) { if (!r.ok) throw new Error("save failed"); });
  }
  function checkPassphrase(a, b) {
    if (a.length < 10) { status(msg("short")); return false; }
    if (a !== b) { status(msg("mismatch")); return false; }
    return true;
  }

  function setup(event) {
    event.preventDefault();
    var pass = $("setup-pass").value;
    if (!checkPassphrase(pass, $("setup-pass2").value)) return;
    status(msg("working"));
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var recovery = recoveryKey();
    var vault = { salt: b64(salt), iterations: ITERATIONS, ciphertext: "" };
    subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"])
      .then(function (key) {
        state.dataKey = key;
        return Promise.all([deriveKey(pass, salt, ITERATIONS),
                            deriveKey(normaliseRecovery(recovery), salt, ITERATIONS)]);
      })
      .then(function (keks) {
        return Promise.all([wrap(state.dataKey, keks[0]), wrap(state.dataKey, keks[1])]);
      })
      .then(function (wrapped) {
        vault.wrapped_key = wrapped[0];
        vault.recovery_wrapped_key = wrapped[1];
        return encryptFields({});
      })
      .then(function (ct) { vault.ciphertext = ct; return post(vault); })
      .then(function () {
        state.vault = vault;
        $("setup-form").reset();
        $("recovery-key").textContent = recovery;
        status("");
        show("vault-recovery");
      })
      .catch(function () { status(msg("failed")); });
  }

  function unlockWith(secret) {
    status(msg("working"));
    var v = state.vault, salt = unb64(v.salt);
    var recovering = secret.recovery;
    return deriveKey(recovering ? normaliseRecovery(secret.value) : secret.value, salt, v.iterations)
      .then(function (kek) { return unwrap(recovering ? v.recovery_wrapped_key : v.wrapped_key, kek); })
      .then(function (key) { state.dataKey = key; return decryptFields(v.ciphertext); })
      .then(function (fields) { fillFields(fields); status(""); show("vault-open"); })
      .catch(function () { status(msg("wrong")); });
  }

  function save(event) {
    event.preventDefault();
    status(msg("working"));
    encryptFields(readFields())
      .then(function (ct) {
        var vault = Object.assign({}, state.vault, { ciphertext: ct });
        return post(vault).then(function () { state.vault = vault; });
      })
      .then(function () { status(msg("saved")); })
      .catch(function () { status(msg("failed")); });
  }

  function repass(event) {
    event.preventDefault();
    var pass = $("repass-pass").value;
    if (!checkPassphrase(pass, $("repass-pass2").value)) return;
    status(msg("working"));
    deriveKey(pass, unb64(state.vault.salt), state.vault.iterations)
      .then(function (kek) { return wrap(state.dataKey, kek); })
      .then(function (wrapped) {
        var vault = Object.assign({}, state.vault, { wrapped_key: wrapped });
        return post(vault).then(function () { state.vault = vault; });
      })
      .then(function () { $("repass-form").reset(); status(msg("saved")); })
      .catch(function () { status(msg("failed")); });
  }

  if (!subtle) { status(msg("nocrypto")); return; }
  $("setup-form").addEventListener("submit", setup);
  $("unlock-form").addEventListener("submit", function (e) {
    e.preventDefault(); unlockWith({ value: $("unlock-pass").value, recovery: false });
  });
  $("recover-form").addEventListener("submit", function (e) {
    e.preventDefault(); unlockWith({ value: $("recover-key").value, recovery: true });
  });
  $("recovery-print").addEventListener("click", function () { window.print(); });
  $("recovery-done").addEventListener("click", function () {
    $("recovery-key").textContent = "";
    fillFields({});
    show("vault-open");
  });
  $("fields-form").addEventListener("submit", save);
  $("repass-form").addEventListener("submit", repass);

  fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      state.vault = data.vault;
      root.setAttribute("data-ready", "1");
      show(data.vault ? "vault-locked" : "vault-setup");
    })
    .catch(function () { status(msg("failed")); });
})();
