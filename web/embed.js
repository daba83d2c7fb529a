// One-tag embed for any web page:
//   <script src="https://<rasa-host>/webhooks/socketio/embed.js" async></script>
// Adds a chat button in the corner; the chat itself runs in an iframe of the
// chat page, so the host page's styles and scripts cannot interfere with it.
(function () {
  "use strict";
  var script = document.currentScript;
  var chatUrl = script.src.replace(/embed\.js(\?.*)?$/, "chat");
  var label = script.getAttribute("data-label") || "在线客服";

  var frame = document.createElement("iframe");
  frame.src = chatUrl;
  frame.title = label;
  frame.style.cssText = "position:fixed;right:16px;bottom:84px;width:380px;height:600px;max-width:calc(100vw - 32px);" +
    "max-height:calc(100vh - 100px);border:0;border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.18);" +
    "z-index:2147483646;display:none;background:#fff";

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483647;border:0;border-radius:24px;" +
    "padding:12px 20px;background:#1677ff;color:#fff;font-size:15px;box-shadow:0 4px 12px rgba(22,119,255,.4);cursor:pointer";
  button.addEventListener("click", function () {
    var open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  });

  function mount() { document.body.appendChild(frame); document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
