// The chat page: talks to the socket.io channel on the same origin.
// The server issues the session (a signed id) on the first connect; the page
// keeps it in localStorage, so a reload (or the app reopening the webview)
// continues the same conversation, and redraws the history from the server,
// where it is stored masked.
(function () {
  "use strict";

  var base = location.pathname.replace(/\/[^/]*$/, "/");   // .../webhooks/socketio/
  var SESSION_KEY = "wallet-support-session";
  var $ = function (id) { return document.getElementById(id); };
  var list = $("messages"), input = $("input"), typing = $("typing");
  var texts = {};
  var typingTimer = null;
  var session = null, historyShown = false;

  function storedSession() {
    try { return localStorage.getItem(SESSION_KEY); } catch (e) { return null; }  // storage disabled: one-off session
  }
  function keepSession(token) {
    try { localStorage.setItem(SESSION_KEY, token); } catch (e) { /* ignore */ }
  }

  function scrollDown() { list.scrollTop = list.scrollHeight; }

  // Only the latest bot turn's buttons can be answered: older ones are
  // switched off as soon as anything newer arrives.
  function disableOldButtons() {
    var old = list.querySelectorAll(".buttons button");
    for (var i = 0; i < old.length; i++) old[i].disabled = true;
  }

  function render(from, text, buttons, agent) {
    disableOldButtons();
    var item = document.createElement("li");
    item.className = from + (agent ? " agent" : "");
    if (agent) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = (texts.agent_label || "人工客服") + " · " + agent;
      item.appendChild(who);
    }
    if (text) {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = text;
      item.appendChild(bubble);
    }
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { if (!button.disabled) send(b.payload, b.title); });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    list.appendChild(item);
    scrollDown();
  }

  function showAgent(name) {
    var banner = $("agent");
    banner.textContent = (texts.agent_joined || "人工客服 {name} 正在为您服务").replace("{name}", name);
    banner.hidden = false;
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 15000);
    scrollDown();
  }

  var socket = io(location.origin, { path: "/socket.io", transports: ["websocket", "polling"] });

  // Bot replies go to the session's room, which this socket joins only once
  // the server confirms the session: anything sent earlier waits for that.
  var confirmed = false, waiting = [];

  function emit(message) {
    if (confirmed) socket.emit("user_uttered", { message: message });
    else waiting.push(message);
  }

  function send(message, shown, silent) {
    message = (message || "").trim();
    if (!message) return;
    if (!silent) render("user", shown || message);
    emit(message);
    showTyping(true);
  }

  function loadHistory() {
    return fetch(base + "history?session=" + encodeURIComponent(session), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var messages = data.messages || [];
        var lastUser = -1;
        messages.forEach(function (m, i) { if (m.from === "user") lastUser = i; });
        messages.forEach(function (m, i) {
          render(m.from, m.text, i > lastUser ? m.buttons : null, m.agent);
          if (m.agent) showAgent(m.agent);
        });
        if (!messages.length) send("/greet", "", true);
      })
      .catch(function () { send("/greet", "", true); });
  }

  socket.on("connect", function () {
    $("offline").hidden = true;
    confirmed = false;
    socket.emit("session_request", { session_id: session || storedSession() });
  });
  socket.on("session_confirm", function (token) {
    var changed = token !== session;
    session = token;
    keepSession(token);
    confirmed = true;
    if (!historyShown || changed) {
      historyShown = true;
      list.textContent = "";
      loadHistory().then(function () { waiting.splice(0).forEach(emit); });
    } else {
      waiting.splice(0).forEach(emit);
    }
  });
  socket.on("session_required", function () { socket.emit("session_request", { session_id: session }); });
  socket.on("disconnect", function () { $("offline").hidden = false; });
  socket.on("connect_error", function (error) {
    $("offline").hidden = false;
    if (window.console) console.warn("chat connection failed:", error && error.message);
  });
  socket.on("bot_uttered", function (message) {
    render("bot", message.text, message.quick_replies || message.buttons, message.agent);
    if (message.agent) showAgent(message.agent);
    showTyping(false);
  });

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    // Enter while a Chinese IME is composing picks a candidate; it must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      $("composer").requestSubmit ? $("composer").requestSubmit() : $("send").click();
    }
  });
  $("human").addEventListener("click", function () {
    send(texts.human_payload || "/request_human", texts.human || "转人工");
  });

  function applyTexts(config) {
    texts = config || {};
    if (texts.title) { $("title").textContent = texts.title; document.title = texts.title; }
    if (texts.subtitle) $("subtitle").textContent = texts.subtitle;
    if (texts.placeholder) input.placeholder = texts.placeholder;
    if (texts.send) $("send").textContent = texts.send;
    if (texts.human) $("human").textContent = texts.human;
    if (texts.typing) typing.querySelector("em").textContent = texts.typing;
    if (texts.offline) $("offline").textContent = texts.offline;
  }

  fetch(base + "config.json").then(function (r) { return r.json(); }).then(applyTexts).catch(function () {});
})();
