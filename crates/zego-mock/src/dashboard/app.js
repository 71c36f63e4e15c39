// zego-mock's dashboard. It polls the control API's JSON twice a second and renders it.
// Every string from the mock is written as text (`append` of a string, `textContent`),
// never as markup.
"use strict";

const API = "/_mock/";
/** How often the page asks the mock for news. */
const POLL_MS = 500;
/** The most entries a list shows (the newest). */
const LIST = 200;
/** The most rooms, and users per room, shown. */
const ROOMS = 100;
const USERS = 100;
/** The most messages shown per user in the inboxes. */
const PER_USER = 5;
const ROLES = { 1: "anchor", 2: "audience", 4: "admin" };
const PRIVILEGES = { 1: "login", 2: "publish" };
const RULE_TYPES = { 1: "IP", 2: "room", 3: "user", 4: "user in room" };

/** The previous text of each endpoint, so that unchanged data is not rendered again. */
const previous = new Map();
/** The mock's clock: `at_ms` is milliseconds since it started. */
let clock = { now_ms: 0, now_unix_ms: Date.now() };
const actionsSeen = new Set();
let refreshes = 0;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function table(head, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function note(text) {
  return el("p", { class: "muted" }, text);
}

function pad(n, width) {
  return String(n).padStart(width, "0");
}

/** A time of day with milliseconds, from Unix milliseconds. */
function timeOfDay(unixMs) {
  if (!unixMs) return "";
  const d = new Date(unixMs);
  return `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
}

/** A time of day from the mock's `at_ms`. */
function atTime(atMs) {
  return timeOfDay(clock.now_unix_ms - (clock.now_ms - atMs));
}

function fill(id, ...content) {
  const body = document.querySelector(`#${id} .body`);
  body.replaceChildren(...content.filter((node) => node !== null && node !== undefined));
}

/** GETs `path` under the control API: its JSON, or `undefined` when unchanged. */
async function get(path, key) {
  const response = await fetch(API + path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const text = await response.text();
  if (previous.get(key || path) === text) return undefined;
  previous.set(key || path, text);
  return JSON.parse(text);
}

/** POSTs `body` as JSON to the control API, then refreshes at once. */
async function post(path, body) {
  const response = await fetch(API + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    setStatus(`${path}: ${answer.error || response.status}`, true);
  }
  await refresh();
}

function setStatus(text, bad) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = bad ? "bad" : "muted";
}

function renderRooms(rooms, streams) {
  const forbidden = new Set((streams || []).filter((s) => s.forbidden).map((s) => `${s.room_id}\u0000${s.stream_id}`));
  if (!rooms.length) return fill("rooms", note("No rooms yet: a room exists once a user is in it."));
  const shown = rooms.slice(0, ROOMS).map((room) => {
    const online = room.users.filter((u) => u.online).length;
    const state = room.closed ? "closed" : room.open ? "open" : "empty";
    const users = room.users.slice(0, USERS).map((user) =>
      el("tr", { class: user.online ? "" : "offline" },
        el("td", {}, user.user_id),
        el("td", {}, user.user_name),
        el("td", {}, ROLES[user.role] || user.role),
        el("td", {}, user.online ? "online" : "offline"),
        el("td", {}, timeOfDay(user.login_time)),
        el("td", {}, el("button", {
          class: "small",
          onclick: () => post("users", { room_id: room.room_id, user_id: user.user_id, online: !user.online }),
        }, user.online ? "log out" : "log in"))));
    const more = room.users.length > USERS ? note(`… and ${room.users.length - USERS} more users`) : null;
    const streamList = room.streams.length
      ? el("ul", { class: "streams" }, ...room.streams.map((s) => {
        const isForbidden = forbidden.has(`${room.room_id}\u0000${s.stream_id}`);
        return el("li", { class: isForbidden ? "forbidden" : "" },
          s.stream_id, el("span", { class: "muted" }, ` by ${s.user_id}`),
          s.title ? el("span", { class: "muted" }, ` “${s.title}”`) : null,
          s.added ? el("span", { class: "tag" }, "added") : null,
          isForbidden ? el("span", { class: "tag bad" }, "forbidden") : null);
      }))
      : null;
    return el("div", { class: `room ${state}`, "data-room": room.room_id },
      el("h3", {}, room.room_id, " ", el("span", { class: "tag" }, state),
        el("span", { class: "muted" }, ` ${online} online of ${room.users.length}`)),
      table(["user", "name", "role", "", "logged in", ""], users), more, streamList);
  });
  const more = rooms.length > ROOMS ? note(`… and ${rooms.length - ROOMS} more rooms`) : null;
  fill("rooms", ...shown, more);
}

function renderInboxes(messages) {
  if (!messages.length) return fill("inboxes", note("Nothing delivered yet."));
  // Grouped per user, the users with the newest messages first.
  const byUser = new Map();
  for (const m of messages) {
    if (!byUser.has(m.user_id)) byUser.set(m.user_id, []);
    byUser.get(m.user_id).push(m);
  }
  const users = [...byUser.entries()].sort((a, b) => b[1][b[1].length - 1].at_ms - a[1][a[1].length - 1].at_ms);
  const rows = [];
  for (const [user, all] of users) {
    // The newest few per user.
    const list = all.slice(-PER_USER);
    if (all.length > PER_USER) {
      rows.push(el("tr", {}, el("td", {}, user), el("td", { colspan: 5, class: "muted" }, `… ${all.length - PER_USER} earlier`)));
    }
    list.forEach((m, i) => rows.push(el("tr", {},
      el("td", {}, i === 0 && all.length <= PER_USER ? user : ""),
      el("td", {}, el("span", { class: `tag ${m.kind}` }, m.kind.replace("_", " "))),
      el("td", {}, m.from_user_id),
      el("td", {}, m.room_id),
      el("td", {}, atTime(m.at_ms)),
      el("td", { class: "content" }, m.content))));
  }
  fill("inboxes", note(`The last ${messages.length} messages delivered.`),
    table(["to", "kind", "from", "room", "time", "content"], rows));
}

function renderRequests(requests) {
  for (const r of requests) if (r.action) actionsSeen.add(r.action);
  refreshActionFilter();
  if (!requests.length) return fill("requests", note("No request matches."));
  const rows = requests.slice().reverse().map((r) => el("tr", { class: r.code === 0 ? "" : "failed" },
    el("td", {}, atTime(r.at_ms)),
    el("td", {}, r.action || "(none)"),
    el("td", {}, r.code === null ? "—" : r.code),
    el("td", {}, r.meaning || (r.code === null ? "no answer" : "")),
    el("td", {}, r.request_id || ""),
    el("td", {}, r.fault ? faultText(r.fault) : "")));
  fill("requests", note(`The last ${requests.length} matching, newest first (the Signature is never shown).`),
    table(["time", "action", "code", "meaning", "request ID", "fault"], rows));
}

function faultText(fault) {
  const extra = fault.code !== undefined ? ` ${fault.code}` : fault.delay_ms !== undefined ? ` ${fault.delay_ms} ms` : "";
  return `${fault.kind.replaceAll("_", " ")}${extra}`;
}

function refreshActionFilter() {
  const select = document.getElementById("action-filter");
  const have = new Set([...select.options].map((o) => o.value));
  for (const action of [...actionsSeen].sort()) {
    if (!have.has(action)) select.append(el("option", { value: action }, action));
  }
}

function renderBudgets(data) {
  clock = { now_ms: data.now_ms, now_unix_ms: data.now_unix_ms };
  if (!data.budgets.length) return fill("budgets", note("No call in the last 60 s."));
  const rows = data.budgets.map((b) => {
    const perSecond = (b.limit * 1000) / b.per_ms;
    const total = b.requests.reduce((a, n) => a + n, 0);
    const throttled = b.throttled.reduce((a, n) => a + n, 0);
    const bars = b.requests.map((n, i) => {
      const height = Math.min(n / perSecond, 1.5) * 40;
      const red = n ? (b.throttled[i] / n) * height : 0;
      return el("span", { class: "bar", title: `${n} requests, ${b.throttled[i]} throttled` },
        el("span", { class: "fill", "data-h": Math.round(height) }),
        el("span", { class: "throttled", "data-h": Math.round(red) }));
    });
    const chart = el("div", { class: "chart" }, el("span", { class: "limit" }), ...bars);
    const label = b.per_ms === 1000 ? `${b.limit}/s` : `${b.limit} per ${b.per_ms / 1000} s`;
    return el("tr", {},
      el("td", {}, b.action, b.test_env ? el("span", { class: "tag" }, "test") : null),
      el("td", {}, label),
      el("td", {}, chart),
      el("td", {}, `${total} request${total === 1 ? "" : "s"}`, throttled ? el("span", { class: "tag bad" }, `${throttled} throttled`) : null));
  });
  fill("budgets", table(["call", "budget", "requests per second (the line: the budget)", "60 s"], rows));
  // Heights are set from script (the page's policy allows no inline style attribute).
  for (const node of document.querySelectorAll("#budgets [data-h]")) node.style.height = `${node.dataset.h}px`;
}

function renderCallbacks(callbacks) {
  if (!callbacks.length) return fill("callbacks", note("No callbacks: start the mock with --callback-url to send them."));
  const rows = callbacks.slice().reverse().map((c) => {
    const state = c.delivered ? "delivered" : c.pending ? "pending" : "dropped";
    const attempts = c.attempts.map((a) =>
      `${a.status === null ? (a.error || "no answer") : a.status} at ${timeOfDay(a.at_ms)}`).join("; ");
    return el("tr", { class: state === "dropped" ? "failed" : "" },
      el("td", {}, c.event), el("td", {}, c.room_id), el("td", {}, attempts),
      el("td", {}, el("span", { class: `tag ${state === "dropped" ? "bad" : ""}` }, state)));
  });
  fill("callbacks", table(["event", "room", "attempts", ""], rows));
}

function renderRules(rules) {
  if (!rules.length) return fill("rules", note("No ban rules."));
  const rows = rules.map((r) => el("tr", { class: r.expired ? "offline" : "" },
    el("td", {}, RULE_TYPES[r.rule_type] || r.rule_type),
    el("td", {}, [r.ip, r.room_id, r.user_id].filter((s) => s).join(" / ")),
    el("td", {}, r.disabled_privileges.map((p) => PRIVILEGES[p] || p).join(", ")),
    el("td", {}, timeOfDay(r.expire_time * 1000)),
    el("td", {}, r.expired ? "expired" : "")));
  fill("rules", table(["type", "who", "no", "until", ""], rows));
}

function renderFaults(faults) {
  if (!faults.length) return fill("faults", note("No fault pending: requests are answered normally."));
  fill("faults", table(["fault", "requests left", "call"], faults.map((f) =>
    el("tr", {}, el("td", {}, faultText(f)), el("td", {}, f.times), el("td", {}, f.action || "any")))));
}

function requestsQuery() {
  const action = document.getElementById("action-filter").value;
  const failed = document.getElementById("failed-only").checked;
  let query = `requests?limit=${LIST}`;
  if (action) query += `&action=${encodeURIComponent(action)}`;
  if (failed) query += "&failed=true";
  return query;
}

let running = null;

/** Fetches everything, renders what changed. */
function refresh() {
  if (running) return running;
  running = (async () => {
    const started = performance.now();
    try {
      const [budgets, rooms, streams, inboxes, requests, callbacks, rules, faults] = await Promise.all([
        get("budgets"), get("rooms"), get("streams"), get(`inboxes?limit=${LIST}`),
        get(requestsQuery(), "requests"), get(`callbacks?limit=${LIST}`), get("rules"), get("faults"),
      ]);
      if (budgets) renderBudgets(budgets);
      if (rooms || streams) {
        renderRooms(rooms || JSON.parse(previous.get("rooms")), streams || JSON.parse(previous.get("streams")));
      }
      if (inboxes) renderInboxes(inboxes);
      if (requests) renderRequests(requests);
      if (callbacks) renderCallbacks(callbacks);
      if (rules) renderRules(rules);
      if (faults) renderFaults(faults);
      refreshes += 1;
      if (!document.body.dataset.renderedMs) document.body.dataset.renderedMs = String(Math.round(performance.now()));
      document.body.dataset.refreshes = String(refreshes);
      document.body.dataset.refreshMs = String(Math.round(performance.now() - started));
      setStatus(`live (polling every ${POLL_MS} ms), updated ${timeOfDay(Date.now())}`);
    } catch (error) {
      setStatus(`the mock does not answer: ${error.message}`, true);
    } finally {
      running = null;
    }
  })();
  return running;
}

function loop() {
  refresh().finally(() => setTimeout(loop, POLL_MS));
}

function formJson(form) {
  return Object.fromEntries(new FormData(form).entries());
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("reset-form").addEventListener("submit", (event) => {
    event.preventDefault();
    post("reset", {});
  });
  document.getElementById("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { room_id, user_id } = formJson(event.target);
    post("users", { room_id, user_id, online: true });
  });
  document.getElementById("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const f = formJson(event.target);
    const fault = { kind: f.kind, times: Number(f.times) || 1 };
    if (f.kind === "code" || f.kind === "deliver_then_code") fault.code = Number(f.code);
    if (f.kind === "delay") fault.delay_ms = Number(f.delay_ms);
    if (f.action) fault.action = f.action;
    post("faults", fault);
  });
  for (const id of ["action-filter", "failed-only"]) {
    document.getElementById(id).addEventListener("change", () => {
      previous.delete("requests");
      refresh();
    });
  }
  loop();
});
