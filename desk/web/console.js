/* 客服工作台 · 会话控制台
 *
 * Left: the queue (排队中 / 我的会话 / 全部进行中). Right: one conversation.
 * Live updates come from /desk/api/stream (server-sent events).
 * Every string that comes from users or the server is rendered with
 * textContent, never as HTML.
 */
(function () {
  "use strict";

  const CHANNELS = {
    socketio: "在线客服/App",
    wechat: "微信公众号",
    rest: "App 接口",
    cmdline: "命令行测试",
  };
  const STATUS_NAMES = { waiting: "排队中", live: "进行中", closed: "已结束" };
  const DELIVERY = {
    pending: "发送中…",
    sent: "已送达",
    stored: "已保存（用户暂时收不到）",
    failed: "发送失败",
  };
  const ONLINE_SECONDS = 120;
  const TIME_ZONE = "Asia/Shanghai";

  // -- state -------------------------------------------------------------------

  const state = {
    me: null,            // {username, display_name, role}
    csrf: "",
    tickets: [],
    agents: [],
    skew: 0,             // server clock minus browser clock, seconds
    tab: "waiting",
    current: null,       // the open ticket (from /tickets/<n>)
    seen: new Set(),     // event ids shown in #events
    loadToken: 0,
    noteMode: false,
    sending: false,
    canned: [],
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    queue: $("queue"), queueEmpty: $("queue-empty"), ticket: $("ticket"), empty: $("ticket-empty"),
    body: $("ticket-body"), title: $("t-title"), badges: $("t-badges"), meta: $("t-meta"), reason: $("t-reason"),
    owner: $("owner"), claim: $("claim"), transfer: $("transfer"), handback: $("handback"),
    closeTicket: $("close-ticket"), reopen: $("reopen"), transferForm: $("transfer-form"),
    transferTo: $("transfer-to"), transferConfirm: $("transfer-confirm"), closeForm: $("close-form"),
    closeSummary: $("close-summary"), closeConfirm: $("close-confirm"), reach: $("reach-note"),
    conversation: $("conversation"), events: $("events"), steps: $("steps"), details: $("details"),
    resultBlock: $("result-block"), result: $("t-result"), composer: $("composer"), canned: $("canned"),
    text: $("reply-text"), send: $("reply-send"), noteToggle: $("note-toggle"), hint: $("composer-hint"),
    error: $("error"), notice: $("notice"), conn: $("conn"), me: $("me"), dashboard: $("dashboard-link"),
    logout: $("logout"), back: $("back"),
  };

  // -- small helpers -------------------------------------------------------------

  function node(tag, className, text) {
    const item = document.createElement(tag);
    if (className) item.className = className;
    if (text !== undefined && text !== null) item.textContent = String(text);
    return item;
  }

  function now() {
    return Date.now() / 1000 + state.skew;
  }

  function duration(seconds) {
    const minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 60) return minutes + " 分钟";
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " 小时" + (minutes % 60 ? " " + (minutes % 60) + " 分钟" : "");
    const days = Math.floor(hours / 24);
    return days + " 天" + (hours % 24 ? " " + (hours % 24) + " 小时" : "");
  }

  const clockFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const dayFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: TIME_ZONE, month: "numeric", day: "numeric" });
  const fullFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function clock(seconds) {
    if (!seconds) return "";
    const date = new Date(seconds * 1000);
    const today = dayFormat.format(new Date(now() * 1000));
    const day = dayFormat.format(date);
    return (day === today ? "" : day + " ") + clockFormat.format(date);
  }

  function fullTime(seconds) {
    return seconds ? fullFormat.format(new Date(seconds * 1000)) : "";
  }

  function channelName(channel) {
    return CHANNELS[channel] || channel || "未知渠道";
  }

  function agentName(username) {
    if (!username) return "";
    const found = state.agents.find((a) => a.username === username);
    if (found && found.display_name) return found.display_name;
    if (state.me && state.me.username === username) return state.me.display_name || username;
    return username;
  }

  function isSupervisor() {
    return !!state.me && state.me.role === "supervisor";
  }

  function debounce(fn, wait) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  // -- messages to the agent ---------------------------------------------------

  const toastTimers = new Map();

  function toast(box, text, keep) {
    box.querySelector(".toast-text").textContent = text;
    box.hidden = false;
    clearTimeout(toastTimers.get(box));
    if (!keep) toastTimers.set(box, setTimeout(() => { box.hidden = true; }, 8000));
  }

  function showError(text) {
    el.notice.hidden = true;
    toast(el.error, text, true);
  }

  function showNotice(text) {
    toast(el.notice, text, false);
  }

  function clearError() {
    el.error.hidden = true;
  }

  for (const box of [el.error, el.notice]) {
    box.querySelector(".toast-close").addEventListener("click", () => { box.hidden = true; });
  }

  // -- API -----------------------------------------------------------------------

  const api = window.DeskApi.client(() => state.csrf, loadMe);

  async function loadMe() {
    const data = await api("GET", "/desk/api/me");
    state.me = data.agent;
    state.csrf = data.csrf;
    return true;
  }

  // -- queue ---------------------------------------------------------------------

  function inTab(ticket, tab) {
    if (tab === "waiting") return ticket.status === "waiting";
    if (tab === "mine") return ticket.status === "live" && !!state.me && ticket.owner === state.me.username;
    return ticket.status === "live";
  }

  async function loadQueue() {
    try {
      const data = await api("GET", "/desk/api/queue");
      state.tickets = data.tickets || [];
      state.agents = data.agents || [];
      if (typeof data.now === "number") state.skew = data.now - Date.now() / 1000;
      renderQueue();
      if (!el.transferForm.hidden) fillTransferOptions();
    } catch (error) {
      if (error.status !== 401) showError("刷新会话列表失败：" + error.message);
    }
  }

  const refreshQueue = debounce(loadQueue, 300);

  function waitLabel(ticket) {
    if (ticket.status === "waiting") {
      const waited = now() - ticket.created_at;
      return waited < 60 ? "刚进入排队" : "已等 " + duration(waited);
    }
    if (ticket.last_user_at) {
      const since = now() - ticket.last_user_at;
      return since < 60 ? "用户刚发言" : "用户 " + duration(since) + "前发言";
    }
    return "";
  }

  function waitClass(ticket) {
    if (ticket.status !== "waiting") return "wait";
    const waited = now() - ticket.created_at;
    if (waited >= (ticket.urgent ? 180 : 600)) return "wait late";
    return "wait";
  }

  function detailLine(details) {
    if (!details) return "";
    const parts = [];
    if (details.amount !== undefined && details.amount !== null && details.amount !== "未提供") parts.push(amountText(details.amount));
    if (details.txn_type && details.txn_type !== "未提供") parts.push(details.txn_type);
    if (details.error_text && details.error_text !== "未提供" && details.error_text !== "无") parts.push("“" + details.error_text + "”");
    return parts.join(" · ");
  }

  function renderQueue() {
    const counts = { waiting: 0, mine: 0, live: 0 };
    for (const ticket of state.tickets) {
      for (const tab of Object.keys(counts)) if (inTab(ticket, tab)) counts[tab] += 1;
    }
    for (const badge of document.querySelectorAll(".tab-count")) {
      const count = counts[badge.dataset.count] || 0;
      badge.textContent = count ? String(count) : "";
    }
    for (const tab of document.querySelectorAll(".tab")) {
      const active = tab.dataset.tab === state.tab;
      tab.classList.toggle("active", active);
      tab.setAttribute("aria-selected", active ? "true" : "false");
    }
    const urgentWaiting = state.tickets.filter((t) => t.status === "waiting" && t.urgent).length;
    document.title = (counts.waiting ? "(" + counts.waiting + ") " : "") + "客服工作台";
    document.querySelector('.tab[data-tab="waiting"]').classList.toggle("has-urgent", urgentWaiting > 0);

    const shown = state.tickets.filter((t) => inTab(t, state.tab));
    reconcileQueue(shown.map(queueItem));
    el.queueEmpty.hidden = shown.length > 0;
    el.queueEmpty.textContent = {
      waiting: "暂时没有排队的用户",
      mine: "你还没有接入的会话",
      live: "现在没有进行中的会话",
    }[state.tab];
  }

  function queueItem(ticket) {
    const item = node("li", "ticket");
    item.dataset.number = ticket.number;
    item.tabIndex = 0;
    item.setAttribute("role", "button");
    if (ticket.urgent) item.classList.add("urgent");
    item.classList.add(ticket.status);
    if (state.current && state.current.number === ticket.number) item.classList.add("active");

    const top = node("div", "ticket-top");
    if (ticket.urgent) top.append(node("span", "badge urgent", "紧急"));
    top.append(node("span", "ticket-title", ticket.problem_title || "直接要求转人工"));
    const wait = node("span", waitClass(ticket), waitLabel(ticket));
    wait.dataset.number = ticket.number;
    top.append(wait);
    item.append(top);

    const meta = node("div", "ticket-meta");
    meta.append(node("span", "channel", channelName(ticket.channel)));
    meta.append(node("span", "number", ticket.number));
    if (ticket.status === "live") {
      const mine = state.me && ticket.owner === state.me.username;
      meta.append(node("span", mine ? "owner mine" : "owner", mine ? "我处理中" : agentName(ticket.owner) + " 处理中"));
    }
    if (!ticket.within_hours) meta.append(node("span", "off-hours", "非服务时间"));
    item.append(meta);

    const line = detailLine(ticket.details);
    if (line) item.append(node("div", "ticket-details", line));
    return item;
  }

  // The live feed refreshes the list many times a minute. Rebuilding it would
  // swap the element under an agent's cursor and swallow the click, so items
  // that did not change stay the same elements and only move when the order does.
  function reconcileQueue(items) {
    const existing = new Map();
    for (const child of el.queue.children) existing.set(child.dataset.number, child);
    const wanted = items.map((item) => {
      const old = existing.get(item.dataset.number);
      if (old && old.className === item.className && old.innerHTML === item.innerHTML) return old;
      return item;
    });
    const keep = new Set(wanted);
    for (const child of Array.from(el.queue.children)) if (!keep.has(child)) child.remove();
    wanted.forEach((item, index) => {
      if (el.queue.children[index] !== item) el.queue.insertBefore(item, el.queue.children[index] || null);
    });
  }

  function tickWaits() {
    for (const label of el.queue.querySelectorAll(".wait")) {
      const ticket = state.tickets.find((t) => t.number === label.dataset.number);
      if (!ticket) continue;
      label.textContent = waitLabel(ticket);
      label.className = waitClass(ticket);
    }
  }

  el.queue.addEventListener("click", (event) => {
    const item = event.target.closest("li.ticket");
    if (item) openTicket(item.dataset.number);
  });
  el.queue.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const item = event.target.closest("li.ticket");
    if (item) {
      event.preventDefault();
      openTicket(item.dataset.number);
    }
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      state.tab = tab.dataset.tab;
      renderQueue();
    });
  }

  // -- opening a ticket ----------------------------------------------------------

  function openTicket(number) {
    if (!number) return;
    const hash = "#" + encodeURIComponent(number);
    if (window.location.hash !== hash) {
      openedFromList = !numberFromHash();
      window.location.hash = hash;  // hashchange loads it; the phone's back button returns to the list
    } else {
      loadTicket(number, true);
    }
  }

  function numberFromHash() {
    try {
      return decodeURIComponent(window.location.hash.slice(1));
    } catch (e) {
      return "";
    }
  }

  function onRoute() {
    const number = numberFromHash();
    if (number) {
      loadTicket(number, !state.current || state.current.number !== number);
    } else {
      showList();
    }
  }

  function showList() {
    state.current = null;
    state.loadToken += 1;
    document.body.classList.remove("has-ticket");
    el.body.hidden = true;
    el.empty.hidden = false;
    renderQueue();
  }

  let openedFromList = false;

  el.back.addEventListener("click", () => {
    if (openedFromList) {
      openedFromList = false;
      window.history.back();  // same as the phone's own back button
    } else {
      window.history.replaceState(null, "", window.location.pathname);
      showList();
    }
  });
  window.addEventListener("hashchange", onRoute);

  async function loadTicket(number, fresh) {
    const token = ++state.loadToken;
    let data;
    try {
      data = await api("GET", "/desk/api/tickets/" + encodeURIComponent(number));
    } catch (error) {
      if (token !== state.loadToken) return;
      showError(error.message);
      if (error.status === 404 && fresh) window.location.hash = "";
      return;
    }
    if (token !== state.loadToken) return;  // the agent opened another ticket meanwhile
    const switching = fresh || !state.current || state.current.number !== data.number;
    if (switching) {
      state.seen = new Set();
      el.events.replaceChildren();
      el.transferForm.hidden = true;
      el.closeForm.hidden = true;
      el.text.value = "";
      el.closeSummary.value = "";
      clearError();
    }
    state.current = data;
    document.body.classList.add("has-ticket");
    el.empty.hidden = true;
    el.body.hidden = false;
    renderTicket(data);
    if (switching) {
      renderTranscript(data.transcript || []);
      for (const event of data.events || []) addEvent(event);
      scrollToEnd(true);
    } else {
      const atEnd = nearEnd();
      for (const event of data.events || []) {
        if (state.seen.has(event.id)) updateDelivery(event.id, event.delivery, event.data && event.data.error);
        else addEvent(event);
      }
      if (atEnd) scrollToEnd(false);
    }
    renderQueue();
  }

  const refreshTicket = debounce(() => {
    if (state.current) loadTicket(state.current.number, false);
  }, 300);

  // -- the ticket header and info ------------------------------------------------------

  function ownership(ticket) {
    const me = state.me ? state.me.username : "";
    const mine = ticket.owner === me;
    const open = ticket.status === "waiting" || ticket.status === "live";
    const manage = open && (ticket.status === "live" ? mine || isSupervisor() : isSupervisor());
    return { mine, open, manage, reply: ticket.status === "live" && mine };
  }

  function renderTicket(ticket) {
    const rights = ownership(ticket);

    el.title.textContent = ticket.problem_title || "直接要求转人工";
    el.badges.replaceChildren();
    if (ticket.urgent) el.badges.append(node("span", "badge urgent", "紧急"));
    el.badges.append(node("span", "badge status-" + ticket.status, STATUS_NAMES[ticket.status] || ticket.status));
    if (!ticket.within_hours) el.badges.append(node("span", "badge muted-badge", "非服务时间转入"));
    if (ticket.language && ticket.language !== "zh") el.badges.append(node("span", "badge muted-badge", ticket.language === "en" ? "英文用户" : ticket.language));

    const meta = ["工单号 " + ticket.number, channelName(ticket.channel), "创建于 " + clock(ticket.created_at)];
    if (ticket.status === "waiting" && typeof ticket.position === "number") {
      meta.push(ticket.position ? "前面还有 " + ticket.position + " 位" : "排在第一位");
    }
    el.meta.textContent = meta.join(" · ");
    el.meta.title = "会话 ID：" + (ticket.conversation_id || "") + "\n创建时间：" + fullTime(ticket.created_at);
    el.reason.textContent = ticket.reason ? "转人工原因：" + ticket.reason : "";
    el.reason.hidden = !ticket.reason;

    // Who handles it.
    el.owner.className = "owner";
    if (ticket.status === "waiting") {
      el.owner.textContent = "排队中，等待接入";
      el.owner.classList.add("waiting");
    } else if (ticket.status === "live") {
      el.owner.textContent = rights.mine ? "由 我（" + agentName(ticket.owner) + "）处理中" : "由 " + agentName(ticket.owner) + " 处理中";
      el.owner.classList.add(rights.mine ? "mine" : "other");
    } else {
      el.owner.textContent = "已结束" + (ticket.owner ? " · 由 " + agentName(ticket.owner) + " 处理" : "")
        + (ticket.closed_at ? " · " + clock(ticket.closed_at) : "");
      el.owner.classList.add("closed");
    }

    el.claim.hidden = ticket.status !== "waiting";
    el.transfer.hidden = !rights.manage;
    el.handback.hidden = !rights.manage;
    el.closeTicket.hidden = !rights.manage;
    el.reopen.hidden = ticket.status !== "closed";
    if (!rights.manage) {
      el.transferForm.hidden = true;
      el.closeForm.hidden = true;
    }

    // Reachability.
    if (ticket.reachable === false) {
      el.reach.replaceChildren(node("strong", null, "用户暂时收不到实时消息："), node("span", null, ticket.reach_note || "回复只会保存在对话记录里。"));
      el.reach.hidden = false;
    } else {
      el.reach.replaceChildren();
      el.reach.hidden = true;
    }

    renderSteps(ticket.steps || []);
    renderDetails(ticket.details || {});

    if (ticket.status === "closed" || ticket.summary || ticket.rating) {
      el.resultBlock.hidden = false;
      const parts = [];
      parts.push(ticket.summary ? ticket.summary : "（没有填写处理结果）");
      if (ticket.rating) parts.push("用户评分：" + "★".repeat(ticket.rating) + "☆".repeat(Math.max(0, 5 - ticket.rating)) + "（" + ticket.rating + " 星）");
      el.result.textContent = parts.join("\n");
    } else {
      el.resultBlock.hidden = true;
    }

    renderComposer();
  }

  const ANSWER_NAMES = {
    fix_worked: "按建议处理后已解决",
    fix_did_not_help: "按建议处理后仍未解决",
    solved: "用户表示已解决",
    not_answered: "未作答（用户直接说了后面一项的情况）",
  };

  function renderSteps(steps) {
    el.steps.replaceChildren();
    if (!steps.length) {
      el.steps.append(node("li", "step empty", "用户没有做自查，直接转了人工"));
      return;
    }
    for (const step of steps) {
      const item = node("li", "step");
      const question = step.question || (step.answer in ANSWER_NAMES ? "按建议处理后" : step.step || "");
      item.append(node("div", "step-q", question));
      const answer = node("div", "step-a");
      const answerText = ANSWER_NAMES[step.answer] || step.answer || "—";
      const label = node("span", "answer", answerText);
      if (step.read_as === "yes") label.classList.add("yes");
      if (step.read_as === "no" || step.answer === "fix_did_not_help") label.classList.add("no");
      answer.append(label);
      if (step.read_as === "first_message" || step.how === "first_message") answer.append(node("span", "tag info", "首条消息里已说明"));
      if (step.how === "told_before_asked") answer.append(node("span", "tag info", "前面的回答里已说明"));
      if (step.read_as === "unsure") answer.append(node("span", "tag warn", "用户不确定"));
      if (step.sure === false) answer.append(node("span", "tag warn", "机器推测，请核实"));
      item.append(answer);
      if (step.said) {
        const said = node("div", "step-said");
        said.append(node("span", "said-label", "用户原话："));
        said.append(node("q", null, step.said));
        item.append(said);
      }
      el.steps.append(item);
    }
  }

  function amountText(amount) {
    const value = Number(amount);
    if (typeof amount === "number" || (amount !== "" && Number.isFinite(value))) {
      return value.toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + " 元";
    }
    return String(amount);
  }

  function renderDetails(details) {
    const rows = [
      ["时间", details.incident_time],
      ["金额", details.amount !== undefined && details.amount !== null && details.amount !== "未提供" ? amountText(details.amount) : details.amount],
      ["类型", details.txn_type],
      ["报错提示", details.error_text],
    ];
    el.details.replaceChildren();
    for (const [name, value] of rows) {
      const missing = value === undefined || value === null || value === "" || value === "未提供";
      el.details.append(node("dt", null, name));
      el.details.append(node("dd", missing ? "missing" : null, missing ? "未提供" : String(value)));
    }
  }

  // -- events ------------------------------------------------------------------------

  const WHO = { user: "用户", bot: "机器人" };

  function renderTranscript(transcript) {
    if (!transcript.length) return;
    for (const line of transcript) {
      const kind = ["user", "bot", "agent"].includes(line.from) ? line.from : "bot";
      const item = node("li", "event history " + kind);
      const meta = node("div", "meta");
      meta.append(node("span", "who", WHO[kind] || "客服"));
      item.append(meta);
      item.append(node("div", "text", line.text || ""));
      el.events.append(item);
    }
    el.events.append(node("li", "divider", "以上是转人工前与机器人的对话"));
  }

  function statusText(event) {
    const data = event.data || {};
    const who = event.author ? agentName(event.author) : "";
    switch (data.status) {
      case "opened": return "创建工单" + (event.text ? "：" + event.text : "");
      case "asked_again": return "用户再次要求转人工" + (event.text ? "：" + event.text : "");
      case "claimed": return who + " 接入";
      case "transferred": return (data.from ? agentName(data.from) + " " : who ? who + " " : "") + "转给 " + agentName(data.to);
      case "closed": return (who ? who + " " : "") + "结束会话" + (event.text ? "（" + event.text + "）" : "");
      case "handed_back": return (who ? who + " " : "") + "交还机器人" + (event.text ? "（" + event.text + "）" : "");
      case "reopened": return (who ? who + " " : "") + "重新打开";
      case "rated": return "用户评分 " + data.rating + " 星";
      default: return event.text || data.status || "状态变更";
    }
  }

  function deliveryText(delivery, error) {
    if (delivery === "failed") return "发送失败" + (error ? "：" + error : "");
    return DELIVERY[delivery] || "";
  }

  function updateDelivery(eventId, delivery, error) {
    const item = el.events.querySelector('li.event[data-id="' + Number(eventId) + '"]');
    if (!item || !delivery) return;
    const label = item.querySelector(".delivery");
    if (!label) return;
    label.textContent = deliveryText(delivery, error);
    label.className = "delivery " + delivery;
  }

  function addEvent(event) {
    if (state.seen.has(event.id)) return;
    const data = event.data || {};
    if (event.kind === "status" && data.status === "delivery") {
      state.seen.add(event.id);
      updateDelivery(data.event, data.delivery, event.text);
      return;
    }
    state.seen.add(event.id);
    const item = node("li", "event " + (["user", "bot", "agent", "note", "status"].includes(event.kind) ? event.kind : "status"));
    item.dataset.id = String(event.id);
    const at = node("time", "time", clock(event.at));
    at.title = fullTime(event.at);
    if (event.kind === "status") {
      item.append(node("span", "text", statusText(event)), at);
    } else if (event.kind === "note") {
      const meta = node("div", "meta");
      meta.append(node("span", "note-label", "内部备注，用户看不到"), node("span", "who", agentName(event.author)), at);
      item.append(meta, node("div", "text", event.text || ""));
    } else {
      const meta = node("div", "meta");
      const who = event.kind === "agent" ? agentName(event.author) || "客服" : WHO[event.kind];
      meta.append(node("span", "who", who), at);
      item.append(meta, node("div", "text", event.text || ""));
      if (event.kind === "agent") {
        const label = node("div", "delivery " + (event.delivery || "pending"),
          deliveryText(event.delivery || "pending", data.error));
        item.append(label);
      }
    }
    el.events.append(item);
  }

  function scroller() {
    // Wide screens scroll the conversation; narrow ones scroll the whole pane.
    return el.conversation.scrollHeight > el.conversation.clientHeight + 2 ? el.conversation : el.ticket;
  }

  function nearEnd() {
    const box = scroller();
    return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  }

  function scrollToEnd(opening) {
    requestAnimationFrame(() => {
      el.conversation.scrollTop = el.conversation.scrollHeight;
      // On a phone, a newly opened ticket starts at the top (its summary); later messages follow the end.
      if (!(opening && window.matchMedia("(max-width: 1099px)").matches)) el.ticket.scrollTop = el.ticket.scrollHeight;
      else el.ticket.scrollTop = 0;
    });
  }

  // -- the composer --------------------------------------------------------------------

  function renderComposer() {
    const ticket = state.current;
    if (!ticket) return;
    const rights = ownership(ticket);
    let reason = "";
    if (!rights.reply) {
      if (ticket.status === "waiting") reason = "请先接入，才能回复用户";
      else if (ticket.status === "live") reason = "由 " + agentName(ticket.owner) + " 处理中，你不能回复";
      else reason = "会话已结束，重新打开后才能回复";
    }
    el.composer.classList.toggle("note-mode", state.noteMode);
    el.noteToggle.setAttribute("aria-pressed", state.noteMode ? "true" : "false");
    el.noteToggle.classList.toggle("on", state.noteMode);
    const enabled = state.noteMode || rights.reply;
    el.text.disabled = !enabled;
    el.send.disabled = !enabled || state.sending;
    el.send.textContent = state.noteMode ? "添加备注" : "发送";
    for (const button of el.canned.querySelectorAll("button")) button.disabled = !rights.reply || state.noteMode;
    if (state.noteMode) {
      el.text.placeholder = "写内部备注，只有客服能看到，用户看不到";
      el.hint.textContent = "内部备注模式";
    } else if (rights.reply) {
      el.text.placeholder = "输入回复，Enter 发送，Shift+Enter 换行";
      el.hint.textContent = "Enter 发送 · Shift+Enter 换行";
    } else {
      el.text.placeholder = reason;
      el.hint.textContent = reason + "，可以写内部备注";
    }
  }

  el.noteToggle.addEventListener("click", () => {
    state.noteMode = !state.noteMode;
    renderComposer();
    if (!el.text.disabled) el.text.focus();
  });

  el.text.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send();
  });
  el.send.addEventListener("click", () => send());

  async function send() {
    const ticket = state.current;
    if (!ticket || state.sending || el.text.disabled) return;
    const text = el.text.value.trim();
    if (!text) {
      showError(state.noteMode ? "备注不能为空" : "回复不能为空");
      el.text.focus();
      return;
    }
    const note = state.noteMode;
    const number = ticket.number;
    state.sending = true;
    renderComposer();
    try {
      const path = "/desk/api/tickets/" + encodeURIComponent(number) + (note ? "/note" : "/reply");
      const result = await api("POST", path, { text });
      if (state.current && state.current.number === number && el.text.value.trim() === text) el.text.value = "";
      clearError();
      if (!note && result.delivery === "stored") {
        showNotice("回复已保存，用户暂时收不到" + (result.note ? "：" + result.note : ""));
      }
    } catch (error) {
      // Failed: the text stays in the box so the agent can try again.
      const why = error.data && error.data.note ? error.data.note : error.message;
      showError((error.status === 502 ? "发送失败：" : "") + why);
    } finally {
      state.sending = false;
      renderComposer();
      if (state.current && state.current.number === number) {
        await loadTicket(number, false);
        if (!el.text.disabled) el.text.focus();
      }
    }
  }

  async function loadCanned() {
    try {
      const data = await api("GET", "/desk/api/canned");
      state.canned = data.replies || [];
    } catch (error) {
      state.canned = [];
    }
    el.canned.replaceChildren();
    for (const reply of state.canned) {
      const button = node("button", "chip", reply.title);
      button.type = "button";
      button.title = reply.text;
      button.addEventListener("click", () => fillReply(reply.text));
      el.canned.append(button);
    }
    if (!state.canned.length) el.canned.append(node("span", "muted", "暂无快捷回复"));
    renderComposer();
  }

  function fillReply(text) {
    if (el.text.disabled) return;
    const box = el.text;
    const current = box.value;
    if (!current.trim()) {
      box.value = text;
    } else {
      const start = box.selectionStart ?? current.length;
      const end = box.selectionEnd ?? current.length;
      box.value = current.slice(0, start) + text + current.slice(end);
    }
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  // -- ticket actions ------------------------------------------------------------------

  function ticketPath(action) {
    return "/desk/api/tickets/" + encodeURIComponent(state.current.number) + "/" + action;
  }

  async function act(button, action, payload, done) {
    if (!state.current) return;
    const number = state.current.number;
    button.disabled = true;
    try {
      const result = await api("POST", ticketPath(action), payload);
      clearError();
      if (done) done(result);
    } catch (error) {
      if (action === "claim" && error.data && error.data.owner) {
        showError("已由 " + agentName(error.data.owner) + " 接入");
      } else {
        showError(error.message);
      }
    } finally {
      button.disabled = false;
      if (state.current && state.current.number === number) await loadTicket(number, false);
      loadQueue();
    }
  }

  el.claim.addEventListener("click", () => act(el.claim, "claim", {}, (result) => {
    if (result.won) showNotice("已接入，可以开始回复用户");
    el.text.focus();
  }));

  el.transfer.addEventListener("click", () => {
    el.closeForm.hidden = true;
    el.transferForm.hidden = !el.transferForm.hidden;
    if (!el.transferForm.hidden) {
      fillTransferOptions();
      el.transferTo.focus();
    }
  });

  function fillTransferOptions() {
    const ticket = state.current;
    const previous = el.transferTo.value;
    const me = state.me ? state.me.username : "";
    const others = state.agents.filter((a) => a.username !== me && (!ticket || a.username !== ticket.owner));
    const online = (a) => a.last_seen_at && now() - a.last_seen_at < ONLINE_SECONDS;
    others.sort((a, b) => (online(b) ? 1 : 0) - (online(a) ? 1 : 0));
    el.transferTo.replaceChildren();
    if (!others.length) {
      const option = node("option", null, "没有其他客服账号");
      option.value = "";
      el.transferTo.append(option);
      el.transferTo.disabled = true;
      el.transferConfirm.disabled = true;
      return;
    }
    el.transferTo.disabled = false;
    el.transferConfirm.disabled = false;
    for (const agent of others) {
      const label = (agent.display_name || agent.username)
        + (agent.display_name && agent.display_name !== agent.username ? "（" + agent.username + "）" : "")
        + (agent.role === "supervisor" ? " · 主管" : "")
        + (online(agent) ? " · 在线" : " · 离线");
      const option = node("option", null, label);
      option.value = agent.username;
      el.transferTo.append(option);
    }
    if (others.some((a) => a.username === previous)) el.transferTo.value = previous;
  }

  el.transferForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const to = el.transferTo.value;
    if (!to) {
      showError("请选择要转给的客服");
      return;
    }
    act(el.transferConfirm, "transfer", { to }, () => {
      el.transferForm.hidden = true;
      showNotice("已转给 " + agentName(to));
    });
  });

  el.closeTicket.addEventListener("click", () => {
    el.transferForm.hidden = true;
    el.closeForm.hidden = !el.closeForm.hidden;
    if (!el.closeForm.hidden) el.closeSummary.focus();
  });

  el.closeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const summary = el.closeSummary.value.trim();
    if (!summary) {
      showError("请写一句处理结果再结束");
      el.closeSummary.focus();
      return;
    }
    act(el.closeConfirm, "close", { summary }, (result) => {
      el.closeForm.hidden = true;
      el.closeSummary.value = "";
      afterEnd(result, "会话已结束");
    });
  });

  for (const cancel of document.querySelectorAll(".form-cancel")) {
    cancel.addEventListener("click", () => { cancel.closest("form").hidden = true; });
  }

  el.handback.addEventListener("click", () => act(el.handback, "handback", {}, (result) => afterEnd(result, "已交还机器人")));

  function afterEnd(result, done) {
    if (result.delivery === "failed") {
      showError(done + "，但没能通知用户：" + (result.note || "智能助手暂时连不上"));
    } else if (result.delivery === "stored") {
      showNotice(done + "。" + (result.note || "用户暂时收不到消息"));
    } else {
      showNotice(done);
    }
  }

  el.reopen.addEventListener("click", () => act(el.reopen, "reopen", {}, (result) => {
    if (result.note) showError("已重新打开，但机器人那边没有同步：" + result.note);
    else showNotice("已重新打开，会话回到你名下");
  }));

  // -- header --------------------------------------------------------------------------

  function renderMe() {
    el.me.replaceChildren();
    if (!state.me) return;
    el.me.append(node("span", "me-name", state.me.display_name || state.me.username));
    if (isSupervisor()) el.me.append(node("span", "role", "主管"));
    el.dashboard.hidden = !isSupervisor();
  }

  el.logout.addEventListener("click", async () => {
    el.logout.disabled = true;
    try {
      await api("POST", "/desk/api/logout", {});
    } catch (error) {
      // Signed out or not, go to the login page.
    }
    window.location.replace("/desk/login");
  });

  // -- live feed ------------------------------------------------------------------------

  let stream = null;
  let streamRetry = null;

  function setConn(ok, text) {
    el.conn.textContent = text;
    el.conn.classList.toggle("ok", ok);
    el.conn.classList.toggle("down", !ok);
  }

  function connect() {
    if (stream) stream.close();
    stream = new EventSource("/desk/api/stream");
    stream.onopen = () => {
      setConn(true, "实时连接正常");
      refreshQueue();
      if (state.current) refreshTicket();
    };
    stream.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event || typeof event !== "object") return;
      if (state.current && event.number === state.current.number) {
        const atEnd = nearEnd() || event.author === (state.me && state.me.username);
        addEvent(event);
        if (atEnd) scrollToEnd(false);
        if (event.kind === "status" && !(event.data && event.data.status === "delivery")) refreshTicket();
      }
      refreshQueue();
    };
    stream.onerror = () => {
      setConn(false, "连接中断，正在重连…");
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. signed out): check the session, then try again.
        clearTimeout(streamRetry);
        streamRetry = setTimeout(async () => {
          try {
            await loadMe();
            connect();
          } catch (e) {
            streamRetry = setTimeout(connect, 5000);
          }
        }, 3000);
      }
    };
  }

  // -- start ----------------------------------------------------------------------------

  async function start() {
    try {
      await loadMe();
    } catch (error) {
      if (error.status !== 401) showError("无法读取登录信息：" + error.message);
      return;
    }
    renderMe();
    await loadQueue();
    loadCanned();
    onRoute();
    connect();
    setInterval(tickWaits, 15000);
    setInterval(loadQueue, 60000);  // a safety net if the live feed is quiet
  }

  start();
})();
