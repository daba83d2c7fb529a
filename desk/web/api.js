/* 客服工作台 · the one way pages call /desk/api.
 *
 * JSON in and out, the CSRF token on every change, the sign-in page on 401,
 * and one retry with a fresh token when a change is refused with 403 (the
 * agent signed in again in another tab, which issues a new token).
 */
(function () {
  "use strict";

  class ApiError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data || {};
    }
  }

  // csrf(): the current token; refresh(): fetches a new one, true if it did.
  function client(csrf, refresh) {
    return async function api(method, path, payload, retried) {
      const options = { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
      if (method !== "GET") {
        options.headers["Content-Type"] = "application/json";
        options.headers["X-CSRF-Token"] = csrf();
        options.body = JSON.stringify(payload || {});
      }
      let res;
      try {
        res = await fetch(path, options);
      } catch (e) {
        throw new ApiError("连不上服务器，请检查网络后重试", 0, {});
      }
      let data = {};
      try { data = await res.json(); } catch (e) { data = {}; }
      if (res.status === 401) {
        window.location.replace("/desk/login");
        throw new ApiError(data.error || "请先登录", 401, data);
      }
      if (res.status === 403 && method !== "GET" && !retried && refresh) {
        const fresh = await refresh().catch(() => false);
        if (fresh) return api(method, path, payload, true);
      }
      if (!res.ok) {
        throw new ApiError(data.error || data.note || "操作失败（" + res.status + "），请稍后再试", res.status, data);
      }
      return data;
    };
  }

  window.DeskApi = { ApiError, client };
})();
