// Moderator keyboard and live counts. Without this file every button still works (plain form POSTs).
// Keys: j/k next/previous card, a approve, r reject, s spam, b ban author, x select for a bulk action.
(function () {
  "use strict";
  var POLL_MS = 20000;
  var current = -1;

  function cards() { return Array.prototype.slice.call(document.querySelectorAll(".card:not(.is-done)")); }

  function csrfToken(form) {
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function focusCard(index) {
    var list = cards();
    if (!list.length) { current = -1; return; }
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (card, i) { card.classList.toggle("is-current", i === current); });
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }

  function setCounts(queues) {
    if (!queues) { return; }
    Object.keys(queues).forEach(function (name) {
      var el = document.querySelector('[data-count="' + name + '"]');
      if (el) { el.textContent = String(queues[name]); }
    });
  }

  function say(text, kind) {
    var box = document.getElementById("messages");
    if (!box) {
      box = document.createElement("ul");
      box.id = "messages";
      box.className = "messages";
      document.querySelector("main").prepend(box);
    }
    var li = document.createElement("li");
    li.className = "msg-" + (kind || "success");
    li.textContent = text;
    box.prepend(li);
  }

  function decide(card, action) {
    var form = card.querySelector("form.decide");
    if (!form) { return; }
    var hasButton = form.querySelector('button[value="' + action + '"]');
    if (!hasButton) { return; }
    var data = new FormData(form);
    data.set("action", action);
    // form.action would be the buttons named "action": read the attribute.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) { say(result.body.detail || "That did not work.", "error"); return; }
      var index = cards().indexOf(card);
      card.classList.add("is-done");
      card.classList.remove("is-current");
      card.remove();
      setCounts(result.body.queues);
      say("Comment " + result.body.id + ": " + result.body.status + ".");
      focusCard(index);
    }).catch(function () { say("Network error: nothing changed.", "error"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("decide") || !event.submitter) { return; }
    event.preventDefault();
    decide(form.closest(".card"), event.submitter.value);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") { return; }
    var list = cards();
    if (!list.length) { return; }
    var card = list[current];
    switch (event.key) {
      case "j": focusCard(current + 1); break;
      case "k": focusCard(current - 1); break;
      case "a": if (card) { decide(card, "approve"); } break;
      case "r": if (card) { decide(card, "reject"); } break;
      case "s": if (card) { decide(card, "spam"); } break;
      case "b": if (card) { window.location.href = card.dataset.banUrl; } break;
      case "x":
        if (card) { var box = card.querySelector("input.select"); if (box) { box.checked = !box.checked; } }
        break;
      default: return;
    }
    event.preventDefault();
  });

  // The first call (on load) only learns the newest pending id; later ones count what arrived since.
  function poll() {
    var tabs = document.getElementById("tabs");
    if (!tabs) { return; }
    var since = tabs.dataset.newest;
    var url = tabs.dataset.countsUrl + (since ? "?since=" + encodeURIComponent(since) : "");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        setCounts(body.queues);
        if (typeof body.newest === "number") { tabs.dataset.newest = String(body.newest); }
        var notice = document.getElementById("new-notice");
        if (notice && typeof body.new === "number") {
          document.getElementById("new-count").textContent = String(body.new);
          notice.hidden = body.new === 0;
        }
      })
      .catch(function () { /* try again at the next tick */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("tabs")) { poll(); window.setInterval(poll, POLL_MS); }
  });
})();
