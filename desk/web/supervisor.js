/* 客服工作台 · 数据看板（主管）
 *
 * Figures from /desk/api/stats, drawn as inline SVG with DOM APIs (no
 * library, no innerHTML). Charts are redrawn at the container's real width
 * so their text stays readable on a phone.
 */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const TIME_ZONE = "Asia/Shanghai";
  const COLORS = {
    blue: "#1677ff", lightBlue: "#91caff", green: "#00b42a", orange: "#ff7d00", red: "#f53f3f",
    grey: "#c9cdd4", axis: "#86909c", grid: "#e5e6eb", text: "#4e5969",
  };
  const STAR_COLORS = ["#f53f3f", "#ff7d00", "#f7ba1e", "#7bc616", "#00b42a"];
  // Until /desk/api/stats sends titles: the names agents know the problems by.
  const PROBLEM_TITLES = {
    account_locked: "账户被锁", account_stolen: "账户被盗", app_malfunction: "App 故障",
    balance_abnormal: "余额显示不对", bind_card_failed: "绑卡失败", charged_but_failed: "扣了钱但订单没成功",
    forgot_password: "忘记密码", fraud_report: "被骗了", funds_not_received: "钱没到账",
    payment_failed: "支付失败", refund_request: "退款", top_up_failed: "充值失败",
    withdraw_failed: "提现失败或太慢", direct_request: "直接要求转人工", complaint: "投诉",
  };

  const state = { csrf: "", me: null, data: null, loading: 0 };
  const $ = (id) => document.getElementById(id);
  const errorBox = $("error");
  const daysSelect = $("days");

  // -- helpers -----------------------------------------------------------------------

  function node(tag, className, text) {
    const item = document.createElement(tag);
    if (className) item.className = className;
    if (text !== undefined && text !== null) item.textContent = String(text);
    return item;
  }

  function svg(name, attrs, parent, text) {
    const item = document.createElementNS(NS, name);
    for (const key of Object.keys(attrs || {})) item.setAttribute(key, String(attrs[key]));
    if (text !== undefined && text !== null) item.textContent = String(text);
    if (parent) parent.appendChild(item);
    return item;
  }

  function tip(parent, text) {
    svg("title", {}, parent, text);
  }

  function textWidth(text, size) {
    let width = 0;
    for (const ch of String(text)) width += ch.charCodeAt(0) > 0x2e80 ? size : size * 0.6;
    return width;
  }

  function niceMax(value, minimum) {
    const top = Math.max(value, minimum || 0);
    if (top <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(top)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * power >= top) return step * power;
    }
    return 10 * power;
  }

  function percent(part, whole) {
    return whole ? Math.round((part / whole) * 100) + "%" : "—";
  }

  function seconds(value, short) {
    if (value === null || value === undefined) return "无数据";
    const s = Math.round(value);
    if (s < 60) return s + " 秒";
    if (s < 3600) {
      const m = Math.floor(s / 60);
      const rest = s % 60;
      return m + " 分" + (rest && !short ? " " + rest + " 秒" : "钟");
    }
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return h + " 小时" + (m ? " " + m + " 分" : "");
  }

  function showError(text) {
    errorBox.querySelector(".toast-text").textContent = text;
    errorBox.hidden = !text;
  }
  errorBox.querySelector(".toast-close").addEventListener("click", () => { errorBox.hidden = true; });

  const api = window.DeskApi.client(() => state.csrf, refreshCsrf);

  async function refreshCsrf() {
    const me = await api("GET", "/desk/api/me");
    state.csrf = me.csrf;
    return true;
  }

  // -- chart frame pieces --------------------------------------------------------------

  function frame(container, height, label) {
    const width = Math.max(300, Math.floor(container.clientWidth || 600));
    const root = svg("svg", {
      viewBox: "0 0 " + width + " " + height, width, height, role: "img", "aria-label": label, class: "chart-svg",
    });
    container.replaceChildren(root);
    return { root, width, height };
  }

  function empty(container, text) {
    container.replaceChildren(node("p", "chart-empty", text || "这段时间还没有数据"));
  }

  function legend(root, items, x, y) {
    let left = x;
    for (const item of items) {
      const group = svg("g", { class: "legend-item" }, root);
      if (item.line) {
        svg("line", { x1: left, y1: y, x2: left + 14, y2: y, stroke: item.color, "stroke-width": 2.5 }, group);
        svg("circle", { cx: left + 7, cy: y, r: 3, fill: item.color }, group);
      } else {
        svg("rect", { x: left, y: y - 5, width: 12, height: 10, rx: 2, fill: item.color }, group);
      }
      svg("text", { x: left + 18, y: y + 4, class: "legend-text" }, group, item.name);
      left += 18 + textWidth(item.name, 12) + 18;
    }
  }

  function yAxis(root, box, max, format) {
    const ticks = 4;
    for (let i = 0; i <= ticks; i += 1) {
      const value = (max / ticks) * i;
      const y = box.bottom - ((box.bottom - box.top) * i) / ticks;
      svg("line", { x1: box.left, x2: box.right, y1: y, y2: y, class: i ? "grid" : "axis" }, root);
      svg("text", { x: box.left - 6, y: y + 4, class: "tick", "text-anchor": "end" }, root, format(value));
    }
  }

  // -- charts ------------------------------------------------------------------------------

  function dayKeys(days) {
    // Every calendar day of the period, Beijing time, so empty days show as gaps.
    const format = new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" });
    const keys = [];
    const today = Date.now();
    for (let i = days - 1; i >= 0; i -= 1) keys.push(format.format(new Date(today - i * 86400000)));
    return Array.from(new Set(keys));
  }

  function chartDaily(container, data) {
    const known = new Map((data.per_day || []).map((d) => [d.date, d]));
    const keys = dayKeys(data.days || 30);
    for (const key of known.keys()) if (!keys.includes(key)) keys.push(key);
    keys.sort();
    const rows = keys.map((date) => known.get(date) || { date, conversations: 0, self_solved: 0, handed_off: 0 });
    if (!rows.some((r) => r.conversations || r.self_solved || r.handed_off)) {
      empty(container);
      return;
    }
    const max = niceMax(Math.max(...rows.map((r) => Math.max(r.conversations, r.self_solved, r.handed_off))), 4);
    const { root, width, height } = frame(container, 260, "每日会话量柱状图");
    const box = { left: 40, right: width - 12, top: 36, bottom: height - 30 };
    legend(root, [
      { name: "进线会话", color: COLORS.blue },
      { name: "自助解决", color: COLORS.green, line: true },
      { name: "转人工", color: COLORS.orange, line: true },
    ], box.left, 12);
    yAxis(root, box, max, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)));
    const band = (box.right - box.left) / rows.length;
    const y = (v) => box.bottom - ((box.bottom - box.top) * v) / max;
    const barWidth = Math.max(2, Math.min(28, band * 0.62));
    const every = Math.max(1, Math.ceil(rows.length / Math.max(3, Math.floor((box.right - box.left) / 46))));
    rows.forEach((row, i) => {
      const cx = box.left + band * i + band / 2;
      const group = svg("g", { class: "day" }, root);
      tip(group, row.date + "\n进线会话 " + row.conversations + "\n自助解决 " + row.self_solved + "\n转人工 " + row.handed_off);
      svg("rect", { x: box.left + band * i, y: box.top, width: band, height: box.bottom - box.top, class: "hover-band" }, group);
      if (row.conversations) {
        svg("rect", { x: cx - barWidth / 2, y: y(row.conversations), width: barWidth,
          height: box.bottom - y(row.conversations), rx: Math.min(3, barWidth / 3), fill: COLORS.blue, class: "bar" }, group);
      }
      if (i % every === 0 || i === rows.length - 1 && rows.length <= 10) {
        const [, month, day] = row.date.split("-");
        svg("text", { x: cx, y: box.bottom + 18, class: "tick", "text-anchor": "middle" }, root, Number(month) + "/" + Number(day));
      }
    });
    for (const [key, color] of [["self_solved", COLORS.green], ["handed_off", COLORS.orange]]) {
      const points = rows.map((row, i) => (box.left + band * i + band / 2).toFixed(1) + "," + y(row[key]).toFixed(1));
      svg("polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round", class: "line" }, root);
      if (rows.length <= 31) {
        rows.forEach((row, i) => {
          const dot = svg("circle", { cx: box.left + band * i + band / 2, cy: y(row[key]), r: 3, fill: color, class: "dot" }, root);
          tip(dot, row.date + " " + (key === "self_solved" ? "自助解决 " : "转人工 ") + row[key]);
        });
      }
    }
  }

  function problemTitle(row) {
    return row.title || row.problem_title || PROBLEM_TITLES[row.problem] || row.problem || "未分类";
  }

  function chartProblems(container, data) {
    const rows = (data.by_problem || []).filter((r) => r.started || r.self_solved || r.handed_off);
    if (!rows.length) {
      empty(container);
      return;
    }
    const rowHeight = 30;
    const height = 44 + rows.length * rowHeight + 8;
    const { root, width } = frame(container, height, "各类问题自助解决与转人工堆叠条形图");
    const labelWidth = Math.min(150, Math.max(80, Math.max(...rows.map((r) => textWidth(problemTitle(r), 12))) + 10));
    const valueWidth = width < 480 ? 78 : 150;
    const box = { left: labelWidth, right: width - valueWidth, top: 36 };
    legend(root, [
      { name: "自助解决", color: COLORS.green },
      { name: "转人工", color: COLORS.orange },
      { name: "其他（中途离开等）", color: COLORS.grey },
    ], 4, 12);
    const totals = rows.map((r) => Math.max(r.started, r.self_solved + r.handed_off));
    const max = niceMax(Math.max(...totals), 1);
    const scale = (v) => ((box.right - box.left) * v) / max;
    rows.forEach((row, i) => {
      const top = box.top + i * rowHeight;
      const group = svg("g", { class: "problem" }, root);
      const other = Math.max(0, row.started - row.self_solved - row.handed_off);
      tip(group, problemTitle(row) + "\n开始自查 " + row.started + "\n自助解决 " + row.self_solved
        + "\n转人工 " + row.handed_off + (other ? "\n其他 " + other : ""));
      svg("text", { x: box.left - 8, y: top + 15, class: "label", "text-anchor": "end" }, group, problemTitle(row));
      let x = box.left;
      for (const [value, color] of [[row.self_solved, COLORS.green], [row.handed_off, COLORS.orange], [other, COLORS.grey]]) {
        if (!value) continue;
        const w = Math.max(1.5, scale(value));
        svg("rect", { x, y: top + 4, width: w, height: rowHeight - 12, fill: color, class: "bar" }, group);
        x += w;
      }
      const solvedShare = percent(row.self_solved, row.self_solved + row.handed_off);
      const summary = width < 480
        ? row.self_solved + " / " + row.handed_off
        : "自助 " + row.self_solved + " · 人工 " + row.handed_off + " · 自助率 " + solvedShare;
      svg("text", { x: x + 6, y: top + 15, class: "value" }, group, summary);
    });
  }

  function chartTimes(container, data) {
    const groups = [
      ["排队等待", data.waiting_seconds || {}],
      ["首次回复", data.first_response_seconds || {}],
      ["处理时长", data.handle_seconds || {}],
    ];
    if (!groups.some(([, g]) => g.count)) {
      empty(container, "这段时间还没有人工接待的数据");
      return;
    }
    const top = Math.max(...groups.map(([, g]) => Math.max(g.p50 || 0, g.p90 || 0)));
    const inMinutes = top >= 120;
    const unit = inMinutes ? 60 : 1;
    const max = niceMax(top / unit, 1) * unit;
    const { root, width, height } = frame(container, 250, "排队、首次回复、处理时长的 P50 与 P90 柱状图");
    const box = { left: 52, right: width - 10, top: 36, bottom: height - 42 };
    legend(root, [{ name: "P50 中位数", color: COLORS.lightBlue }, { name: "P90", color: COLORS.blue }], box.left, 12);
    yAxis(root, box, max, (v) => (inMinutes ? Math.round((v / 60) * 10) / 10 + " 分" : Math.round(v) + " 秒"));
    const band = (box.right - box.left) / groups.length;
    const barWidth = Math.min(44, band * 0.3);
    const y = (v) => box.bottom - ((box.bottom - box.top) * v) / max;
    groups.forEach(([name, g], i) => {
      const cx = box.left + band * i + band / 2;
      [["P50", g.p50, COLORS.lightBlue, -1], ["P90", g.p90, COLORS.blue, 1]].forEach(([label, value, color, side]) => {
        const x = side < 0 ? cx - barWidth - 2 : cx + 2;
        const group = svg("g", { class: "time-bar" }, root);
        tip(group, name + " " + label + "：" + seconds(value) + "（" + (g.count || 0) + " 个工单）");
        if (value !== null && value !== undefined) {
          svg("rect", { x, y: y(value), width: barWidth, height: Math.max(0, box.bottom - y(value)), rx: 3, fill: color, class: "bar" }, group);
        }
        svg("text", { x: x + barWidth / 2, y: (value ? y(value) : box.bottom) - 5, class: "value", "text-anchor": "middle" }, group,
          value === null || value === undefined ? "—" : seconds(value, true));
      });
      svg("text", { x: cx, y: box.bottom + 18, class: "label", "text-anchor": "middle" }, root, name);
      svg("text", { x: cx, y: box.bottom + 34, class: "tick", "text-anchor": "middle" }, root, (g.count || 0) + " 个工单");
    });
  }

  function chartSatisfaction(container, data) {
    const sat = data.satisfaction || {};
    const dist = sat.distribution || {};
    const counts = [1, 2, 3, 4, 5].map((n) => Number(dist[String(n)] || 0));
    if (!sat.count) {
      empty(container, "这段时间还没有用户评分");
      return;
    }
    const averages = [["全部评分", sat.average], ["人工服务后", sat.after_agent], ["自助排查后", sat.after_self_check]];
    const barsHeight = 210;
    const { root, width } = frame(container, barsHeight + 24 + averages.length * 30, "满意度评分分布柱状图和平均分");
    const box = { left: 36, right: width - 10, top: 24, bottom: barsHeight - 30 };
    const max = niceMax(Math.max(...counts), 4);
    svg("text", { x: box.left, y: 14, class: "legend-text" }, root, "评分分布（共 " + sat.count + " 条）");
    yAxis(root, box, max, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)));
    const band = (box.right - box.left) / 5;
    const barWidth = Math.min(48, band * 0.6);
    const y = (v) => box.bottom - ((box.bottom - box.top) * v) / max;
    counts.forEach((count, i) => {
      const cx = box.left + band * i + band / 2;
      const group = svg("g", { class: "star-bar" }, root);
      tip(group, (i + 1) + " 星：" + count + " 条（" + percent(count, sat.count) + "）");
      if (count) {
        svg("rect", { x: cx - barWidth / 2, y: y(count), width: barWidth, height: box.bottom - y(count), rx: 3, fill: STAR_COLORS[i], class: "bar" }, group);
      }
      svg("text", { x: cx, y: y(count) - 5, class: "value", "text-anchor": "middle" }, group, count + "（" + percent(count, sat.count) + "）");
      svg("text", { x: cx, y: box.bottom + 18, class: "label", "text-anchor": "middle" }, root, (i + 1) + " 星");
    });
    // Averages out of 5, as horizontal meters.
    const meterLeft = 84;
    const meterRight = width - 64;
    averages.forEach(([name, value], i) => {
      const top = barsHeight + 10 + i * 30;
      const group = svg("g", { class: "average" }, root);
      tip(group, name + "平均分：" + (value === null || value === undefined ? "无数据" : value + " / 5"));
      svg("text", { x: meterLeft - 8, y: top + 13, class: "label", "text-anchor": "end" }, group, name);
      svg("rect", { x: meterLeft, y: top + 3, width: meterRight - meterLeft, height: 12, rx: 6, class: "meter-track" }, group);
      if (value !== null && value !== undefined) {
        svg("rect", { x: meterLeft, y: top + 3, width: ((meterRight - meterLeft) * value) / 5, height: 12, rx: 6,
          fill: value >= 4 ? COLORS.green : value >= 3 ? "#f7ba1e" : COLORS.red, class: "bar" }, group);
      }
      svg("text", { x: meterRight + 8, y: top + 13, class: "value strong" }, group,
        value === null || value === undefined ? "无数据" : Number(value).toFixed(2) + " 分");
    });
  }

  // -- cards ---------------------------------------------------------------------------------

  function renderCards(data) {
    const totals = data.totals || {};
    const sat = data.satisfaction || {};
    const solved = totals.self_solved || 0;
    const tickets = totals.tickets || 0;
    const cards = [
      ["进线会话", totals.conversations || 0, "最近 " + data.days + " 天"],
      ["机器人自助解决", solved, "自助解决率 " + percent(solved, solved + tickets)],
      ["转人工工单", tickets, "当前排队 " + (totals.waiting_now || 0) + " 个"],
      ["排队等待 P50", seconds((data.waiting_seconds || {}).p50), "P90 " + seconds((data.waiting_seconds || {}).p90)],
      ["平均满意度", sat.average === null || sat.average === undefined ? "—" : Number(sat.average).toFixed(2), (sat.count || 0) + " 条评分"],
    ];
    const box = $("cards");
    box.replaceChildren();
    for (const [name, value, note] of cards) {
      const card = node("div", "card");
      card.append(node("div", "card-name", name), node("div", "card-value", value), node("div", "card-note", note));
      box.append(card);
    }
  }

  function render() {
    const data = state.data;
    if (!data) return;
    renderCards(data);
    chartDaily($("chart-daily"), data);
    chartProblems($("chart-problems"), data);
    chartTimes($("chart-times"), data);
    chartSatisfaction($("chart-satisfaction"), data);
  }

  async function load() {
    const token = ++state.loading;
    const days = Number(daysSelect.value) || 30;
    document.body.classList.add("loading");
    try {
      const data = await api("GET", "/desk/api/stats?days=" + days);
      if (token !== state.loading) return;
      state.data = data;
      showError("");
      render();
      $("updated").textContent = "更新于 " + new Intl.DateTimeFormat("zh-CN", {
        timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false,
      }).format(new Date());
    } catch (error) {
      if (token === state.loading && error.status !== 401) showError(error.message);
    } finally {
      if (token === state.loading) document.body.classList.remove("loading");
    }
  }

  // -- start -----------------------------------------------------------------------------------

  $("logout").addEventListener("click", async () => {
    try {
      await api("POST", "/desk/api/logout", {});
    } catch (e) {
      // go to the login page either way
    }
    window.location.replace("/desk/login");
  });

  daysSelect.addEventListener("change", load);

  let resizeTimer = null;
  let lastWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 200);
  });

  async function start() {
    try {
      const me = await api("GET", "/desk/api/me");
      state.me = me.agent;
      state.csrf = me.csrf;
      const box = $("me");
      box.replaceChildren(node("span", "me-name", me.agent.display_name || me.agent.username));
      if (me.agent.role === "supervisor") box.append(node("span", "role", "主管"));
    } catch (error) {
      if (error.status !== 401) showError(error.message);
      return;
    }
    await load();
    setInterval(load, 5 * 60 * 1000);
  }

  start();
})();
