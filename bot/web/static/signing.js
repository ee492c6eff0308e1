/* The /sign page: fetch the challenge, have the signing tool installed on this computer
 * sign it, post the result to the same address (CONTRACTS: a detached CMS, or a raw
 * signature with its certificate).
 *
 * Every tool's local page API is an adapter behind one small interface:
 *   { name, available(): Promise<boolean>, sign(challengeBase64): Promise<body> }
 * The page tries the adapters of the tools it offers, in order; when none answers, the
 * paste box takes what any other tool produced. What is known of each API, and what is
 * a guess, is written in bot/web/signing_tools.py.
 *
 * No inline code (a strict Content-Security-Policy allows this file by origin); the
 * page's texts and tools come in the JSON block #signing-config. It also runs under
 * Node (tests): everything but the page binding lives on `RegbotSigning`.
 */
(function (root) {
  "use strict";

  var TIMEOUT_MS = 120000; // a person types a PIN meanwhile
  var PROBE_MS = 3000;

  function b64ToBytes(text) {
    var raw = root.atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function bytesToB64(bytes) {
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return root.btoa(raw);
  }

  function sha256B64(b64) {
    return root.crypto.subtle.digest("SHA-256", b64ToBytes(b64)).then(function (digest) {
      return bytesToB64(new Uint8Array(digest));
    });
  }

  /* One message, one answer, over a fresh WebSocket: how the tools' services work. */
  function exchange(url, message, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var socket;
      try { socket = new root.WebSocket(url); } catch (e) { reject(e); return; }
      var timer = setTimeout(function () { socket.close(); reject(new Error("timeout")); },
                             timeoutMs || TIMEOUT_MS);
      socket.onopen = function () { socket.send(message); };
      socket.onmessage = function (event) {
        clearTimeout(timer);
        socket.close();
        resolve(String(event.data));
      };
      socket.onerror = function () { clearTimeout(timer); reject(new Error("unreachable")); };
    });
  }

  /* Does something listen there? Opened and closed at once. */
  function listening(url) {
    return new Promise(function (resolve) {
      var socket;
      try { socket = new root.WebSocket(url); } catch (e) { resolve(false); return; }
      var timer = setTimeout(function () { socket.close(); resolve(false); }, PROBE_MS);
      socket.onopen = function () { clearTimeout(timer); socket.close(); resolve(true); };
      socket.onerror = function () { clearTimeout(timer); resolve(false); };
    });
  }

  function failure(code) {
    var error = new Error(code);
    error.code = code;
    return error;
  }

  /* VNPT-CA Plugin: JSON calls answered "result*callback". */
  function vnpt(tool) {
    var endpoint = null;
    function call(functionID, args) {
      var host = (root.location && root.location.hostname) || "";
      var message = JSON.stringify(
        { functionID: functionID, funcCallback: "callbackDefault", args: args, domain: host });
      return exchange(endpoint, message).then(function (text) { return text.split("*")[0]; });
    }
    function probe(index) {
      if (index >= tool.endpoints.length) { return Promise.resolve(false); }
      endpoint = tool.endpoints[index];
      return exchange(endpoint, JSON.stringify(
        { functionID: 7, funcCallback: "callbackDefault", args: [],
          domain: (root.location && root.location.hostname) || "" }), PROBE_MS)
        .then(function (text) { return text.split("*")[0] === "1"; })
        .catch(function () { return probe(index + 1); });
    }
    return {
      name: "vnpt",
      available: function () { return probe(0); },
      sign: function (challenge) {
        var licensed = tool.license
          ? call(6, [tool.license]).then(function (answer) {
              if (JSON.parse(answer).code !== 1) { throw failure("license"); }
            })
          : Promise.resolve();
        return licensed.then(function () {
          var item = JSON.stringify({ data: challenge, type: "cmsdetached" });
          return call(10, [JSON.stringify([item]), "", "1", "1"]);
        }).then(function (answer) {
          var result = JSON.parse(answer);
          if (typeof result === "string") { result = JSON.parse(result); }
          if (Array.isArray(result)) { result = result[0]; }
          if (!result || !result.data) { throw failure("refused"); }
          return { signature: result.data };
        });
      }
    };
  }

  /* The Government CA's VGCA Sign Service: sign a SHA-256, get it with the certificate. */
  function vgca(tool) {
    var endpoint = tool.endpoints[0];
    return {
      name: "vgca",
      available: function () { return listening(endpoint); },
      sign: function (challenge) {
        return sha256B64(challenge).then(function (hash) {
          return exchange(endpoint, JSON.stringify(
            { HashAlg: "SHA256", HashValue: hash, Encode: "RSA" }));
        }).then(function (answer) {
          var result = JSON.parse(answer);
          if (result.Status !== 0 || !result.Signature || !result.CertBase64) {
            throw failure("refused");
          }
          return { signature: result.Signature, certificate: result.CertBase64, chain: [],
                   hash_algorithm: "SHA256" };
        });
      }
    };
  }

  /* BkavCA Signer Plugin: "38*data*serial*callback*end" (SignCMS). */
  function bkav(tool) {
    var endpoint = tool.endpoints[0];
    var callback = "BkavExtensionCallback";
    return {
      name: "bkav",
      available: function () { return listening(endpoint); },
      sign: function (challenge) {
        var message = ["38", challenge, "1", callback, "end"].join("*");
        return exchange(endpoint, message).then(function (answer) {
          var suffix = "*" + callback + "*end";
          var value = answer.slice(-suffix.length) === suffix
            ? answer.slice(0, -suffix.length) : answer;
          if (value.length < 64) { throw failure("refused"); } // an error code, not a CMS
          return { signature: value };
        });
      }
    };
  }

  /* Development only: a page script standing in for a plugin (`regbot sign` plays the
   * plugin from the command line instead). */
  function development() {
    return {
      name: "development",
      available: function () {
        var plugin = root.RegbotSigningPlugin;
        return Promise.resolve(!!plugin && typeof plugin.sign === "function");
      },
      sign: function (challenge) { return Promise.resolve(root.RegbotSigningPlugin.sign(challenge)); }
    };
  }

  var ADAPTERS = { vnpt: vnpt, vgca: vgca, bkav: bkav };

  function adaptersOf(config) {
    var list = (config.tools || []).filter(function (tool) { return ADAPTERS[tool.adapter]; })
      .map(function (tool) { return ADAPTERS[tool.adapter](tool); });
    if (config.development) { list.push(development()); }
    return list;
  }

  /* The first adapter whose tool answers signs; none: "no_plugin". */
  function sign(adapters, challenge) {
    function next(index) {
      if (index >= adapters.length) { return Promise.reject(failure("no_plugin")); }
      return adapters[index].available().then(function (ok) {
        return ok ? adapters[index].sign(challenge) : next(index + 1);
      });
    }
    return next(0);
  }

  function post(url, body) {
    return root.fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify(body) })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (reply) {
          return { status: resp.status, reply: reply };
        });
      });
  }

  /* The whole flow: challenge, a tool's signature, the post. */
  function run(config) {
    return root.fetch(config.url + "/challenge").then(function (resp) { return resp.json(); })
      .then(function (reply) { return sign(adaptersOf(config), reply.challenge); })
      .then(function (body) { return post(config.url, body); });
  }

  function fromPaste(text) {
    text = text.trim();
    return text.charAt(0) === "{" ? JSON.parse(text) : { signature: text };
  }

  root.RegbotSigning = { adapters: ADAPTERS, adaptersOf: adaptersOf, sign: sign, post: post,
                         run: run, fromPaste: fromPaste };

  /* The page binding. */
  var document = root.document;
  if (!document) { return; }
  var button = document.getElementById("sign");
  var configBlock = document.getElementById("signing-config");
  if (!button || !configBlock) { return; }
  var config = JSON.parse(configBlock.textContent);
  config.url = root.location.pathname.replace(/\/+$/, "");
  var texts = config.texts;
  var pasted = document.getElementById("pasted");
  var paste = document.getElementById("paste");
  var status = document.getElementById("status");

  function show(kind, text) { status.className = kind; status.textContent = text; }

  function done(result) {
    if (result.status === 200) { show("ok", texts.accepted); button.disabled = true; }
    else { show("error", result.reply.message || texts.failed); }
  }

  button.addEventListener("click", function () {
    if (pasted && pasted.value.trim()) {
      var body;
      try { body = fromPaste(pasted.value); } catch (e) { show("error", texts.failed); return; }
      post(config.url, body).then(done, function () { show("error", texts.failed); });
      return;
    }
    show("info", texts.signing);
    run(config).then(done, function (error) {
      if (error && error.code === "no_plugin") {
        show("error", texts.no_plugin);
        if (paste) { paste.open = true; } // the fallback: paste what another tool made
      } else {
        show("error", texts.failed);
      }
    });
  });
})(typeof window !== "undefined" ? window : globalThis);
