/* 客服工作台 · 登录页 */
(function () {
  "use strict";

  const form = document.getElementById("login-form");
  const username = document.getElementById("username");
  const password = document.getElementById("password");
  const button = document.getElementById("login");
  const errorBox = document.getElementById("login-error");

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  // Already signed in (e.g. a second tab): go straight to the console.
  fetch("/desk/api/me", { credentials: "same-origin", cache: "no-store" })
    .then((res) => { if (res.ok) window.location.replace("/desk/"); })
    .catch(() => {});

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = username.value.trim();
    if (!name || !password.value) {
      showError("请输入账号和密码");
      (name ? password : username).focus();
      return;
    }
    showError("");
    button.disabled = true;
    button.textContent = "正在登录…";
    try {
      const res = await fetch("/desk/api/login", {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username: name, password: password.value }),
      });
      let data = {};
      try { data = await res.json(); } catch (e) { data = {}; }
      if (res.ok) {
        window.location.replace("/desk/");
        return;
      }
      if (res.status === 401) {
        showError(data.error || "账号或密码不对");
        password.value = "";
        password.focus();
      } else if (res.status === 429) {
        showError(data.error || "登录失败次数太多，请 15 分钟后再试");
      } else {
        showError(data.error || "登录失败（" + res.status + "），请稍后再试");
      }
    } catch (e) {
      showError("连不上服务器，请检查网络后重试");
    } finally {
      button.disabled = false;
      button.textContent = "登录";
    }
  });

  username.focus();
})();
