// The candidate's workspace: clock, autosave, events, and the per-kind interactions.
// Talks to the JSON API with the attempt's access token; no build step, no dependencies
// besides the vendored htmx (incident feed polling) and Chart.js (dashboard).

const state = JSON.parse(document.getElementById("attempt-state").textContent);
const accessToken = JSON.parse(document.getElementById("attempt-access").textContent);
const API = `/api/v1/attempts/${encodeURIComponent(state.id)}`;
const app = document.getElementById("app");
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const SAVE_DEBOUNCE_MS = 800;
const EVIDENCE_PATTERN = /^(L[0-9A-Za-z._-]{1,15}|[0-9a-f]{32})$/;

// ---------------------------------------------------------------------------------------------
// HTTP

async function api(method, path, body, { keepalive = false } = {}) {
  const response = await fetch(API + path, {
    method,
    keepalive,
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: "application/json",
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    credentials: "omit",
    cache: "no-store",
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data: data || {} };
}

const pad = (n, width = 2) => String(n).padStart(width, "0");
const clockTime = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
const isTyping = (el) =>
  el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

// Equal JSON values, whatever the order of object keys (PostgreSQL's jsonb reorders them).
function sameJSON(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJSON(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJSON(a[k], b[k]));
  }
  return false;
}

function hasContent(value) {
  if (Array.isArray(value)) return value.some(hasContent);
  if (value && typeof value === "object") return Object.values(value).some(hasContent);
  return typeof value === "string" ? value.trim() !== "" : Boolean(value);
}

// ---------------------------------------------------------------------------------------------
// The clock: the server's deadline, corrected for this machine's clock offset.

const clock = {
  offsetMs: Date.parse(state.server_time) - Date.now(),
  deadlineMs: Date.parse(state.deadline),
  el: document.getElementById("clock"),
  valueEl: document.getElementById("clock-value"),
  expiredHandled: false,
  now() {
    return Date.now() + this.offsetMs;
  },
  sync(serverTime, deadline, sentAt, receivedAt) {
    if (serverTime) {
      const midpoint = sentAt && receivedAt ? (sentAt + receivedAt) / 2 : Date.now();
      this.offsetMs = Date.parse(serverTime) - midpoint;
    }
    if (deadline) {
      const next = Date.parse(deadline);
      if (next > this.deadlineMs && this.expiredHandled && next > this.now()) this.expiredHandled = false;
      this.deadlineMs = next;
    }
    this.render();
  },
  remaining() {
    return Math.max(0, Math.floor((this.deadlineMs - this.now()) / 1000));
  },
  render() {
    const left = this.remaining();
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    this.valueEl.textContent = h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
    this.el.classList.toggle("is-warning", left <= 300 && left > 60);
    this.el.classList.toggle("is-critical", left <= 60);
    this.el.setAttribute("aria-label", `Time left: ${m + h * 60} minutes ${s} seconds`);
    if (left === 0 && !this.expiredHandled) {
      this.expiredHandled = true;
      onTimeUp();
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Events: batched, sent every few seconds and when the page is hidden.

const eventQueue = [];
let eventTimer = null;

function track(kind, itemId, data) {
  if (locked) return;
  eventQueue.push({
    kind,
    ...(itemId ? { item_id: itemId } : {}),
    ...(data ? { data } : {}),
    client_ts: new Date(clock.now()).toISOString(),
  });
  if (!eventTimer) eventTimer = setTimeout(flushEvents, eventQueue.length >= 20 ? 0 : 2500);
}

async function flushEvents({ keepalive = false } = {}) {
  clearTimeout(eventTimer);
  eventTimer = null;
  if (!eventQueue.length) return;
  const batch = eventQueue.splice(0, 200);
  try {
    const res = await api("POST", "/events/", { events: batch }, { keepalive });
    if (res.status >= 500) throw new Error("server");
  } catch {
    if (!keepalive) {
      eventQueue.unshift(...batch);
      eventTimer = setTimeout(flushEvents, 10000);
    }
  }
  if (eventQueue.length && !eventTimer) eventTimer = setTimeout(flushEvents, 1000);
}

// ---------------------------------------------------------------------------------------------
// The save indicator and global banner

const saveStatusEl = document.getElementById("save-status");
const bannerEl = document.getElementById("global-banner");
let lastSavedAt = null;

function renderSaveStatus() {
  const list = Object.values(savers);
  let stateName = "idle";
  let text = lastSavedAt ? `Saved at ${clockTime(lastSavedAt)}` : "All changes saved";
  if (lastSavedAt) stateName = "saved";
  const any = (predicate) => list.find(predicate);
  if (any((s) => s.conflict)) {
    stateName = "conflict";
    text = "Not saved — changed in another window";
  } else if (any((s) => s.status === "error")) {
    stateName = "error";
    text = any((s) => s.status === "error").errorText || "Not saved";
  } else if (any((s) => s.status === "offline")) {
    stateName = "offline";
    text = "Offline — will retry";
  } else if (any((s) => s.inFlight || s.dirty)) {
    stateName = "saving";
    text = "Saving…";
  }
  if (locked) {
    stateName = lockReason === "closed" ? "saved" : "error";
    text = lockReason === "closed" ? "Submitted" : "Time is up";
  }
  saveStatusEl.dataset.state = stateName;
  saveStatusEl.textContent = text;
}

function showBanner(html, level = "error") {
  bannerEl.className = `global-banner${level === "error" ? "" : ` is-${level}`}`;
  bannerEl.innerHTML = html;
  bannerEl.hidden = false;
}

function hideBanner() {
  bannerEl.hidden = true;
  bannerEl.innerHTML = "";
}

// ---------------------------------------------------------------------------------------------
// Locking at the deadline or after a submit

let locked = false;
let lockReason = "";

function setInputsDisabled(root, disabled) {
  $$(
    ".answer input, .answer textarea, .answer select, .answer button, [data-field], [data-ticket], [data-decision-input]",
    root,
  ).forEach((el) => {
    el.disabled = disabled;
  });
}

function lockAll(reason, message) {
  locked = true;
  lockReason = reason;
  app.classList.add("is-locked");
  setInputsDisabled(app, true);
  document.getElementById("submit-button").disabled = true;
  Object.values(savers).forEach((s) => s.stop());
  if (message) showBanner(message, reason === "closed" ? "info" : "error");
  renderSaveStatus();
}

function unlockAll() {
  locked = false;
  lockReason = "";
  app.classList.remove("is-locked");
  setInputsDisabled(app, false);
  document.getElementById("submit-button").disabled = false;
  hideBanner();
  renderSaveStatus();
}

function showSubmittedScreen(delay = 1200) {
  setTimeout(() => window.location.reload(), delay);
}

async function onTimeUp() {
  lockAll(
    "deadline",
    "<strong>Time is up.</strong> Your last saved work has been submitted; the answers can no longer be changed.",
  );
  for (let attemptNo = 0; attemptNo < 5; attemptNo++) {
    const fresh = await refreshAttempt();
    if (fresh && fresh.status !== "in_progress") return showSubmittedScreen(1500);
    if (fresh && Date.parse(fresh.deadline) > clock.now() + 1000) {
      unlockAll(); // a lead granted extra time
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000 * (attemptNo + 1)));
  }
}

async function refreshAttempt() {
  const counters = Object.fromEntries(Object.entries(savers).map(([id, s]) => [id, s.requests]));
  const sentAt = Date.now();
  let res;
  try {
    res = await api("GET", "/");
  } catch {
    return null;
  }
  const receivedAt = Date.now();
  if (!res.ok) return null;
  const data = res.data;
  clock.sync(data.server_time, data.deadline, sentAt, receivedAt);
  if (data.status !== "in_progress") {
    if (!locked) {
      lockAll("closed", "<strong>This attempt has been submitted.</strong> Showing the confirmation…");
      showSubmittedScreen();
    }
    return data;
  }
  for (const item of data.items || []) {
    const saver = savers[item.id];
    if (!saver || saver.inFlight || saver.requests !== counters[item.id]) continue;
    if (item.response.version > saver.version && !saver.conflict) {
      if (!saver.adoptOwnSave(item.response.version, item.response.answer)) {
        saver.setConflict(item.response.version, item.response.answer);
      }
    }
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Autosave: one saver per item, optimistic concurrency on the response version.

const savers = {};

class Saver {
  constructor(item, pane, kind) {
    this.id = item.id;
    this.pane = pane;
    this.kind = kind;
    this.version = item.response.version;
    this.dirty = false;
    this.inFlight = false;
    this.again = false;
    this.status = "idle";
    this.errorText = "";
    this.conflict = null;
    this.timer = null;
    this.retryTimer = null;
    this.retryDelay = 1000;
    this.requests = 0;
    this.lastSent = null;
    this.kind.populate(pane, item.response.answer || {}, this);
    this.savedJSON = JSON.stringify(this.kind.collect(pane, this));
    this.savedAnswer = item.response.answer || {};
    this.banner = $("[data-conflict]", pane);
  }

  changed({ immediate = false } = {}) {
    if (locked) return;
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), immediate ? 150 : SAVE_DEBOUNCE_MS);
    renderSaveStatus();
  }

  flush() {
    if (this.dirty && !this.inFlight && !this.conflict) {
      clearTimeout(this.timer);
      return this.save();
    }
    return Promise.resolve();
  }

  stop() {
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
  }

  async save() {
    clearTimeout(this.timer);
    if (locked || this.conflict) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const answer = this.kind.collect(this.pane, this);
    const json = JSON.stringify(answer);
    if (json === this.savedJSON) {
      this.dirty = false;
      if (this.status === "offline" || this.status === "error") this.status = "saved";
      renderSaveStatus();
      return;
    }
    this.inFlight = true;
    this.dirty = false;
    this.requests += 1;
    this.lastSent = answer;
    renderSaveStatus();
    const sentAt = Date.now();
    let res;
    try {
      res = await api("PUT", `/items/${encodeURIComponent(this.id)}/response/`, { version: this.version, answer });
    } catch {
      res = null;
    }
    const receivedAt = Date.now();
    this.inFlight = false;
    if (res === null || res.status >= 500 || res.status === 429 || res.status === 0) {
      this.dirty = true;
      this.status = "offline";
      this.retry();
    } else if (res.ok) {
      this.settle(res.data.version, answer, json);
      clock.sync(res.data.server_time, res.data.deadline, sentAt, receivedAt);
      if (this.again || JSON.stringify(this.kind.collect(this.pane, this)) !== json) {
        this.again = false;
        this.changed();
      }
    } else if (res.status === 409 && res.data.error === "stale_version") {
      if (!this.adoptOwnSave(res.data.current_version, res.data.answer)) {
        this.dirty = true;
        this.setConflict(res.data.current_version, res.data.answer);
      }
    } else if (res.status === 409 && res.data.error === "deadline_passed") {
      this.status = "error";
      lockAll("deadline", `<strong>Time is up.</strong> ${escapeHtml(res.data.detail || "")} Your last saved work has been submitted.`);
      showSubmittedScreen(2500);
    } else if (res.status === 409) {
      lockAll("closed", "<strong>This attempt is closed.</strong> Nothing more can be saved.");
      showSubmittedScreen(2500);
    } else if (res.status === 401 || res.status === 404) {
      this.dirty = true;
      this.status = "error";
      this.errorText = "Not saved — reload the page";
      showBanner("<strong>Your access to this attempt could not be confirmed.</strong> Reload the page; your last saved work is kept.");
    } else {
      this.dirty = true;
      this.status = "error";
      this.errorText = `Not saved: ${res.data.detail || `error ${res.status}`}`.slice(0, 120);
    }
    renderSaveStatus();
  }

  retry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.save(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  }

  // A save can reach the server while its response is lost on the way back (a flaky network);
  // retried with the old version, it is refused as stale. When the server holds exactly what this
  // tab last sent, that "other version" is this tab's own: take its number instead of reporting a
  // conflict, and save again whatever was typed since.
  adoptOwnSave(version, answer) {
    if (this.lastSent === null || !sameJSON(this.lastSent, answer)) return false;
    this.settle(version, answer, JSON.stringify(this.lastSent));
    if (JSON.stringify(this.kind.collect(this.pane, this)) !== this.savedJSON) this.changed();
    return true;
  }

  // The server holds `answer` (serialised as this tab collects it: `json`) as `version`.
  settle(version, answer, json) {
    this.version = version;
    this.savedJSON = json;
    this.savedAnswer = answer;
    this.status = "saved";
    this.retryDelay = 1000;
    lastSavedAt = new Date();
    markAnswered(this);
  }

  setConflict(version, answer) {
    this.conflict = { version, answer: answer || {} };
    this.status = "conflict";
    clearTimeout(this.timer);
    $("[data-conflict-text]", this.banner).innerHTML =
      `<strong>This answer was changed in another tab or window (version ${Number(version)}).</strong> ` +
      "Your edits here are not saved yet. Load the latest version, or keep yours and save it over the other one.";
    this.banner.hidden = false;
    renderSaveStatus();
  }

  loadLatest() {
    if (!this.conflict) return;
    this.kind.populate(this.pane, this.conflict.answer, this);
    this.version = this.conflict.version;
    this.savedAnswer = this.conflict.answer;
    this.savedJSON = JSON.stringify(this.kind.collect(this.pane, this));
    this.conflict = null;
    this.dirty = false;
    this.status = "saved";
    this.banner.hidden = true;
    markAnswered(this);
    renderSaveStatus();
  }

  keepMine() {
    if (!this.conflict) return;
    this.version = this.conflict.version;
    this.conflict = null;
    this.banner.hidden = true;
    this.savedJSON = null;
    this.save();
  }
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function markAnswered(saver) {
  const dot = document.querySelector(`[data-answered-dot="${CSS.escape(saver.id)}"]`);
  if (dot) dot.classList.toggle("is-answered", hasContent(saver.savedAnswer));
}

// ---------------------------------------------------------------------------------------------
// Field helpers shared by the kinds

function scalarFields(pane) {
  return $$("[data-field]:not([data-ticket])", pane);
}

function collectScalars(pane, answer = {}) {
  for (const el of scalarFields(pane)) answer[el.dataset.field] = el.value;
  return answer;
}

function populateScalars(pane, answer) {
  for (const el of scalarFields(pane)) {
    const value = answer[el.dataset.field];
    el.value = typeof value === "string" ? value : "";
  }
  updateCounters(pane);
}

function updateCounters(pane) {
  for (const counter of $$("[data-counter-for]", pane)) {
    const field = $(`[data-field="${counter.dataset.counterFor}"]`, pane);
    if (field) counter.textContent = `${field.value.length.toLocaleString()} chars`;
  }
}

// ---------------------------------------------------------------------------------------------
// Kinds: how an answer is read from and written to the page

const kinds = {};

kinds.triage_queue = {
  collect(pane) {
    const tickets = {};
    for (const el of $$("[data-ticket][data-field]", pane)) {
      const id = el.dataset.ticket;
      tickets[id] = tickets[id] || {};
      tickets[id][el.dataset.field] = el.value;
    }
    const answer = { tickets: {} };
    for (const [id, fields] of Object.entries(tickets)) {
      if (hasContent(fields)) answer.tickets[id] = fields;
    }
    if (pane.dataset.orderTouched === "1") {
      answer.priority_order = $$("[data-order-id]", pane).map((li) => li.dataset.orderId);
    }
    return answer;
  },
  populate(pane, answer) {
    const tickets = answer.tickets || {};
    for (const el of $$("[data-ticket][data-field]", pane)) {
      const value = (tickets[el.dataset.ticket] || {})[el.dataset.field];
      el.value = typeof value === "string" ? value : "";
    }
    const list = $("[data-priority-list]", pane);
    if (Array.isArray(answer.priority_order) && answer.priority_order.length) {
      const rows = Object.fromEntries($$("[data-order-id]", list).map((li) => [li.dataset.orderId, li]));
      for (const id of answer.priority_order) if (rows[id]) list.appendChild(rows[id]);
      pane.dataset.orderTouched = "1";
    }
    renumberOrder(pane);
    for (const id of new Set($$("[data-ticket-summary]", pane).map((c) => c.dataset.ticketSummary))) {
      updateTicketSummary(pane, id);
    }
  },
};

kinds.log_investigation = {
  collect(pane) {
    const answer = collectScalars(pane);
    answer.evidence_ids = [...(pane._evidence || [])];
    return answer;
  },
  populate(pane, answer) {
    populateScalars(pane, answer);
    pane._evidence = Array.isArray(answer.evidence_ids) ? [...answer.evidence_ids] : [];
    renderEvidence(pane);
  },
};

kinds.escalation_writeup = { collect: (pane) => collectScalars(pane), populate: populateScalars };
// The next update's time is picked in UTC (a datetime-local input has no timezone of its own) and
// saved as ISO 8601 with its timezone, the one form the API accepts for next_update_at.
function utcPickerValue(iso) {
  const moment = typeof iso === "string" && iso ? new Date(iso) : null;
  return moment && !Number.isNaN(moment.getTime()) ? moment.toISOString().slice(0, 16) : "";
}

function isoFromUtcPicker(value) {
  if (!value) return "";
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

kinds.customer_comms = {
  collect(pane) {
    const answer = collectScalars(pane);
    answer.next_update_at = isoFromUtcPicker(answer.next_update_at || "");
    return answer;
  },
  populate(pane, answer) {
    populateScalars(pane, answer);
    const picker = $('[data-field="next_update_at"]', pane);
    if (picker) picker.value = utcPickerValue(answer.next_update_at);
  },
};

kinds.incident = {
  collect(pane) {
    const answer = collectScalars(pane);
    answer.decisions = { ...(pane._decisions || {}) };
    answer.stakeholder_updates = [...(pane._updates || [])];
    return answer;
  },
  populate(pane, answer) {
    populateScalars(pane, answer);
    pane._decisions = { ...(answer.decisions || {}) };
    pane._updates = Array.isArray(answer.stakeholder_updates) ? [...answer.stakeholder_updates] : [];
    applyDecisions(pane);
    renderUpdates(pane);
  },
};

kinds.postmortem = {
  collect(pane) {
    const answer = collectScalars(pane);
    answer.corrective_actions = $$("[data-corrective-row]", pane)
      .map((row) => ({
        action: $('[data-cfield="action"]', row).value,
        owner: $('[data-cfield="owner"]', row).value,
        due: $('[data-cfield="due"]', row).value,
      }))
      .filter(hasContent);
    return answer;
  },
  populate(pane, answer) {
    populateScalars(pane, answer);
    const body = $("[data-actions-body]", pane);
    body.replaceChildren();
    const actions = Array.isArray(answer.corrective_actions) ? answer.corrective_actions : [];
    for (const action of actions) addCorrectiveRow(pane, action);
    if (!actions.length) addCorrectiveRow(pane, {});
  },
};

// ---------------------------------------------------------------------------------------------
// Items and navigation

const panes = $$(".pane[data-item-id]");
let currentPane = panes.find((p) => !p.hidden) || panes[0];

function openItem(itemId, { focus = false } = {}) {
  const pane = panes.find((p) => p.dataset.itemId === itemId);
  if (!pane) return;
  const changed = pane !== currentPane;
  for (const p of panes) p.hidden = p !== pane;
  for (const link of $$("[data-item-link]")) {
    const active = link.dataset.itemLink === itemId;
    link.classList.toggle("is-active", active);
    if (active) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  currentPane = pane;
  if (changed || !pane._opened) {
    pane._opened = true;
    track("item_opened", itemId);
    onPaneShown(pane);
  }
  if (focus) $("h1", pane)?.focus?.();
}

function onPaneShown(pane) {
  if (pane.dataset.kind === "triage_queue") {
    const selected = $(".queue-row.is-selected", pane);
    if (selected) trackTicket(pane, selected.dataset.ticketRow);
  }
  if (pane.dataset.kind === "incident") markInjectsSeen(pane);
}

function stepItem(delta) {
  const index = panes.indexOf(currentPane);
  const next = panes[index + delta];
  if (next) openItem(next.dataset.itemId);
}

document.getElementById("item-list").addEventListener("click", (event) => {
  const link = event.target.closest("[data-item-link]");
  if (!link) return;
  event.preventDefault();
  openItem(link.dataset.itemLink);
  history.replaceState(null, "", `#item-${link.dataset.itemLink}`);
});

// ---------------------------------------------------------------------------------------------
// Triage

function ticketRows(pane) {
  return $$("[data-ticket-row]", pane);
}

function selectTicket(pane, ticketId, { focus = true } = {}) {
  for (const row of ticketRows(pane)) {
    const selected = row.dataset.ticketRow === ticketId;
    row.classList.toggle("is-selected", selected);
    row.setAttribute("aria-selected", String(selected));
    row.tabIndex = selected ? 0 : -1;
    if (selected && focus) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }
  for (const view of $$("[data-ticket-pane]", pane)) view.hidden = view.dataset.ticketPane !== ticketId;
  trackTicket(pane, ticketId);
}

function trackTicket(pane, ticketId) {
  if (pane._lastTicket === ticketId) return;
  pane._lastTicket = ticketId;
  track("ticket_viewed", pane.dataset.itemId, { ticket_id: ticketId });
}

function stepTicket(pane, delta) {
  const rows = ticketRows(pane);
  const index = rows.findIndex((row) => row.classList.contains("is-selected"));
  const next = rows[Math.min(rows.length - 1, Math.max(0, index + delta))];
  if (next) selectTicket(pane, next.dataset.ticketRow);
}

function renumberOrder(pane) {
  $$("[data-order-id]", pane).forEach((li, index) => {
    $(".order-pos", li).textContent = index + 1;
  });
}

function updateTicketSummary(pane, ticketId) {
  const cell = $(`[data-ticket-summary="${CSS.escape(ticketId)}"]`, pane);
  if (!cell) return;
  const severity = $(`[data-ticket="${CSS.escape(ticketId)}"][data-field="severity"]`, pane)?.value;
  const route = $(`[data-ticket="${CSS.escape(ticketId)}"][data-field="route"]`, pane)?.value;
  cell.replaceChildren();
  if (!severity && !route) {
    cell.innerHTML = '<span class="muted">—</span>';
    return;
  }
  if (severity) {
    const pill = document.createElement("span");
    pill.className = `sev-pill s-${severity}`;
    pill.textContent = severity;
    cell.append(pill, " ");
  }
  if (route) cell.append(route);
}

function initTriage(pane, saver) {
  pane.addEventListener("click", (event) => {
    const row = event.target.closest("[data-ticket-row]");
    if (row) selectTicket(pane, row.dataset.ticketRow);
    const move = event.target.closest("[data-move]");
    if (move && !locked) {
      const li = move.closest("[data-order-id]");
      const sibling = move.dataset.move === "up" ? li.previousElementSibling : li.nextElementSibling;
      if (sibling) {
        if (move.dataset.move === "up") sibling.before(li);
        else sibling.after(li);
        pane.dataset.orderTouched = "1";
        renumberOrder(pane);
        move.focus();
        saver.changed({ immediate: true });
      }
    }
  });
  pane.addEventListener("keydown", (event) => {
    const row = event.target.closest("[data-ticket-row]");
    if (!row) return;
    if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      stepTicket(pane, 1);
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      stepTicket(pane, -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      $(`[data-ticket="${CSS.escape(row.dataset.ticketRow)}"][data-field="severity"]`, pane)?.focus();
    }
  });
  pane.addEventListener("change", (event) => {
    const ticket = event.target.dataset?.ticket;
    if (ticket) updateTicketSummary(pane, ticket);
  });
}

// ---------------------------------------------------------------------------------------------
// Investigation: tabs, log explorer, traces, evidence, dashboard

function showTab(pane, name, { focusTab = false } = {}) {
  for (const tab of $$("[data-tab]", pane)) {
    const active = tab.dataset.tab === name;
    tab.classList.toggle("is-active", active);
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    if (active && focusTab) tab.focus();
  }
  for (const panel of $$("[data-tab-panel]", pane)) panel.hidden = panel.dataset.tabPanel !== name;
  if (name === "logs" && !pane._logsLoaded) {
    pane._logsLoaded = true;
    runLogSearch(pane, { userInitiated: false });
  }
  if (name === "dashboard") drawDashboard(pane);
  if (name === "traces" && !pane._tracesSeen) {
    pane._tracesSeen = true;
    for (const details of $$("details[data-trace-id][open]", pane)) {
      track("trace_opened", pane.dataset.itemId, { trace_id: details.dataset.traceId });
    }
  }
}

function logFilters(pane) {
  const form = $("[data-log-filters]", pane);
  const data = Object.fromEntries(new FormData(form).entries());
  const filters = {};
  for (const [key, raw] of Object.entries(data)) {
    let value = String(raw).trim();
    if (!value) continue;
    if (key === "start" || key === "end") {
      if (value.length === 16) value += ":00";
      value += key === "start" ? ".000Z" : ".999Z";
    }
    filters[key] = value;
  }
  return filters;
}

async function runLogSearch(pane, { userInitiated = true, more = false } = {}) {
  const body = $("[data-log-body]", pane);
  const status = $("[data-log-status]", pane);
  const moreButton = $('[data-action="load-more"]', pane);
  const filters = more ? pane._logQuery.filters : logFilters(pane);
  const seq = (pane._logSeq = (pane._logSeq || 0) + 1);
  const params = new URLSearchParams({ ...filters, limit: "100" });
  if (more && pane._logQuery.cursor != null) params.set("cursor", pane._logQuery.cursor);
  status.textContent = more ? "Loading more…" : "Searching…";
  moreButton.disabled = true;
  let res;
  try {
    res = await api("GET", `/items/${encodeURIComponent(pane.dataset.itemId)}/logs/?${params}`);
  } catch {
    if (seq === pane._logSeq) status.textContent = "Could not reach the server. Check your connection and search again.";
    moreButton.disabled = false;
    return;
  }
  if (seq !== pane._logSeq) return;
  moreButton.disabled = false;
  if (!res.ok) {
    status.textContent = `Search failed: ${res.data.detail || `error ${res.status}`}`;
    return;
  }
  if (!more) {
    body.replaceChildren();
    pane._logCount = 0;
    pane.querySelector("[data-log-scroll]").scrollTop = 0;
  }
  pane._logQuery = { filters, cursor: res.data.next_cursor };
  const fragment = document.createDocumentFragment();
  for (const line of res.data.lines) fragment.append(logRow(pane, line));
  body.append(fragment);
  pane._logCount += res.data.lines.length;
  moreButton.hidden = res.data.next_cursor == null;
  const active = Object.keys(filters).length;
  const what = active ? "matching lines" : "lines";
  status.textContent = pane._logCount
    ? `Showing ${pane._logCount.toLocaleString()} ${what}${res.data.next_cursor != null ? " · more available" : ""}`
    : active
      ? "No lines match these filters."
      : "No log lines.";
  if (userInitiated && !more) track("log_search", pane.dataset.itemId, filters);
}

function logRow(pane, line) {
  const tr = document.createElement("tr");
  tr.className = `log-row row-${line.level}`;
  tr.dataset.lineId = line.id;
  tr._line = line;
  const cited = (pane._evidence || []).includes(line.id);
  const time = String(line.ts).slice(11, 23);
  const statusClass = line.status >= 400 ? "s-err" : "s-ok";
  const http = line.method ? `${line.method} ${line.path} — ` : "";
  tr.innerHTML =
    `<td><button type="button" class="cell-btn mono${cited ? " is-cited" : ""}" data-action="cite-line" data-line="${escapeHtml(line.id)}" title="Cite ${escapeHtml(line.id)} as evidence">${escapeHtml(line.id)}</button></td>` +
    `<td title="${escapeHtml(line.ts)}">${escapeHtml(time)}</td>` +
    `<td class="lvl lvl-${escapeHtml(line.level)}">${escapeHtml(line.level)}</td>` +
    `<td title="${escapeHtml(line.service)}">${escapeHtml(line.service)}</td>` +
    `<td class="msg">${escapeHtml(http + line.message)}</td>` +
    `<td>${line.status ? `<span class="${statusClass}">${line.status}</span> ${line.latency_ms}ms` : ""}</td>` +
    (line.trace_id
      ? `<td><button type="button" class="cell-btn" data-action="filter-trace" data-trace="${escapeHtml(line.trace_id)}" title="Show only trace ${escapeHtml(line.trace_id)}">${escapeHtml(String(line.trace_id).slice(0, 8))}</button></td>`
      : `<td class="muted">—</td>`);
  return tr;
}

function toggleLogDetail(pane, tr) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("log-detail")) {
    next.remove();
    return;
  }
  const line = tr._line;
  const detail = document.createElement("tr");
  detail.className = "log-detail";
  const facts = [
    ["time", line.ts],
    ["host", line.host],
    ["request", line.request_id],
    ["trace", line.trace_id],
    ["span", line.span_id],
    ["tenant", line.tenant_id],
  ].filter(([, v]) => v); // a system line may have no request, trace, span or tenant
  if (line.method) facts.push(["http", `${line.method} ${line.path} → ${line.status} in ${line.latency_ms} ms`]);
  detail.innerHTML =
    `<td colspan="7"><div class="detail-grid">${facts.map(([k, v]) => `<div><span>${k}</span> ${escapeHtml(v ?? "")}</div>`).join("")}</div>` +
    `<div class="msg">${escapeHtml(line.message)}</div>` +
    `<div class="detail-actions">` +
    `<button type="button" class="btn btn-xs" data-action="cite-line" data-line="${escapeHtml(line.id)}">Cite ${escapeHtml(line.id)}</button>` +
    `<button type="button" class="btn btn-xs" data-action="set-onset" data-ts="${escapeHtml(line.ts)}">Set as onset</button>` +
    (line.trace_id ? `<button type="button" class="btn btn-xs" data-action="filter-trace" data-trace="${escapeHtml(line.trace_id)}">Only this trace</button>` : "") +
    (line.request_id ? `<button type="button" class="btn btn-xs" data-action="search-text" data-q="${escapeHtml(line.request_id)}">Search this request id</button>` : "") +
    `</div></td>`;
  tr.after(detail);
}

function renderEvidence(pane) {
  const chips = $("[data-evidence-chips]", pane);
  if (!chips) return;
  chips.replaceChildren();
  for (const id of pane._evidence || []) {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.title = id;
    chip.innerHTML = `<span>${escapeHtml(id.length > 16 ? `${id.slice(0, 12)}…` : id)}</span><button type="button" aria-label="Remove ${escapeHtml(id)}" data-action="remove-evidence" data-evidence="${escapeHtml(id)}">✕</button>`;
    if (locked) $("button", chip).disabled = true;
    chips.append(chip);
  }
  $("[data-evidence-count]", pane).textContent = (pane._evidence || []).length;
  for (const button of $$('[data-action="cite-line"]', pane)) {
    button.classList.toggle("is-cited", (pane._evidence || []).includes(button.dataset.line));
  }
}

function addEvidence(pane, raw) {
  const error = $("[data-evidence-error]", pane);
  const id = String(raw || "").trim();
  error.hidden = true;
  if (locked || !id) return false;
  if (!EVIDENCE_PATTERN.test(id)) {
    error.textContent = "Use a log line id (L000123, L-deploy) or a 32-character trace id.";
    error.hidden = false;
    return false;
  }
  pane._evidence = pane._evidence || [];
  if (!pane._evidence.includes(id)) {
    if (pane._evidence.length >= 50) {
      error.textContent = "At most 50 evidence ids.";
      error.hidden = false;
      return false;
    }
    pane._evidence.push(id);
    renderEvidence(pane);
    savers[pane.dataset.itemId].changed({ immediate: true });
  }
  return true;
}

function removeEvidence(pane, id) {
  if (locked) return;
  pane._evidence = (pane._evidence || []).filter((e) => e !== id);
  renderEvidence(pane);
  savers[pane.dataset.itemId].changed({ immediate: true });
}

function filterByTrace(pane, traceId) {
  const form = $("[data-log-filters]", pane);
  form.reset();
  form.elements.trace_id.value = traceId;
  pane._logsLoaded = true;
  showTab(pane, "logs");
  runLogSearch(pane);
}

function searchText(pane, text) {
  const form = $("[data-log-filters]", pane);
  form.reset();
  form.elements.q.value = text;
  pane._logsLoaded = true;
  showTab(pane, "logs");
  runLogSearch(pane);
}

const eventMarkers = {
  id: "eventMarkers",
  afterDatasetsDraw(chart, _args, options) {
    const { ctx, chartArea, scales } = chart;
    for (const marker of options.markers || []) {
      const x = scales.x.getPixelForValue(marker.index);
      if (!Number.isFinite(x) || x < chartArea.left || x > chartArea.right) continue;
      ctx.save();
      ctx.strokeStyle = "#a15c00";
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#a15c00";
      ctx.font = "600 10px system-ui, sans-serif";
      ctx.textAlign = x > chartArea.right - 80 ? "right" : "left";
      ctx.fillText(marker.label, x + (ctx.textAlign === "left" ? 4 : -4), chartArea.top + 10);
      ctx.restore();
    }
  },
};

function drawDashboard(pane) {
  if (pane._charts || !window.Chart) return;
  const dashboard = state.dashboards[pane.dataset.itemId];
  if (!dashboard || !dashboard.series || !dashboard.series.length) return;
  const series = dashboard.series;
  const labels = series.map((point) => String(point.ts).slice(11, 16));
  const first = Date.parse(series[0].ts);
  const step = (dashboard.interval_seconds || 60) * 1000;
  const markers = (dashboard.events || []).map((event) => ({
    index: (Date.parse(event.ts) - first) / step,
    label: `${event.kind} ${String(event.ts).slice(11, 16)}`,
  }));
  const base = {
    type: "line",
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      elements: { point: { radius: 0, hoverRadius: 3 }, line: { borderWidth: 1.5, tension: 0 } },
      scales: {
        x: { ticks: { maxTicksLimit: 8, font: { size: 10 }, color: "#5f6673" }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { font: { size: 10 }, color: "#5f6673" }, grid: { color: "#eef0f3" } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { titleFont: { size: 11 }, bodyFont: { size: 11 } },
        eventMarkers: { markers },
      },
    },
    plugins: [eventMarkers],
  };
  const make = (name, datasets, legend = false) => {
    const canvas = $(`[data-chart="${name}"]`, pane);
    const config = structuredClone({ type: base.type, options: base.options });
    config.plugins = base.plugins;
    config.data = { labels, datasets };
    config.options.plugins.legend = {
      display: legend,
      position: "top",
      align: "end",
      labels: { boxWidth: 10, boxHeight: 2, font: { size: 10 } },
    };
    return new window.Chart(canvas, config);
  };
  const line = (label, key, color) => ({
    label,
    data: series.map((point) => point[key]),
    borderColor: color,
    backgroundColor: color,
  });
  pane._charts = [
    make("errors", [{ ...line("error rate %", "error_rate_pct", "#c0262d"), fill: { target: "origin" }, backgroundColor: "rgba(192,38,45,.08)" }]),
    make(
      "latency",
      [line("p50", "latency_p50_ms", "#5b8def"), line("p95", "latency_p95_ms", "#2456d6"), line("p99", "latency_p99_ms", "#7c3aed")],
      true,
    ),
    make("saturation", [line((dashboard.saturation_metric || {}).name || "saturation", "saturation", "#0e7490")]),
  ];
}

function initInvestigation(pane, saver) {
  const form = $("[data-log-filters]", pane);
  let typingTimer = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typingTimer);
    runLogSearch(pane);
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "q") return;
    runLogSearch(pane);
  });
  form.elements.q.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => runLogSearch(pane), 450);
  });
  $("[data-tab]", pane).parentElement.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const tabs = $$("[data-tab]", pane);
    const index = tabs.indexOf(event.target);
    if (index < 0) return;
    event.preventDefault();
    let next = index;
    if (event.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
    if (event.key === "ArrowRight") next = (index + 1) % tabs.length;
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = tabs.length - 1;
    showTab(pane, tabs[next].dataset.tab, { focusTab: true });
  });
  pane.addEventListener("toggle", (event) => {
    const details = event.target;
    if (details.matches?.("details[data-trace-id]") && details.open) {
      track("trace_opened", pane.dataset.itemId, { trace_id: details.dataset.traceId });
    }
  }, true);
  pane.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tab]");
    if (tab) return showTab(pane, tab.dataset.tab);
    const action = event.target.closest("[data-action]");
    if (action) {
      switch (action.dataset.action) {
        case "cite-line":
          if ((pane._evidence || []).includes(action.dataset.line)) removeEvidence(pane, action.dataset.line);
          else addEvidence(pane, action.dataset.line);
          return;
        case "filter-trace":
        case "trace-logs":
          return filterByTrace(pane, action.dataset.trace);
        case "search-text":
          return searchText(pane, action.dataset.q);
        case "add-evidence":
          return addEvidence(pane, action.dataset.evidence);
        case "remove-evidence":
          return removeEvidence(pane, action.dataset.evidence);
        case "add-evidence-input": {
          const input = $("[data-evidence-input]", pane);
          if (addEvidence(pane, input.value)) input.value = "";
          return;
        }
        case "set-onset": {
          if (locked) return;
          const onset = $('[data-field="onset"]', pane);
          onset.value = action.dataset.ts;
          saver.changed({ immediate: true });
          return;
        }
        case "load-more":
          return runLogSearch(pane, { more: true });
        case "clear-filters":
          form.reset();
          return runLogSearch(pane);
      }
      return;
    }
    const row = event.target.closest("tr.log-row");
    if (row && !event.target.closest("button")) toggleLogDetail(pane, row);
  });
  $("[data-evidence-input]", pane).addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (addEvidence(pane, event.target.value)) event.target.value = "";
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Incident: the feed polls with htmx; decisions and updates live in the answer

function applyDecisions(pane) {
  for (const input of $$("[data-decision-input]", pane)) {
    input.checked = (pane._decisions || {})[input.dataset.decisionInput] === input.value;
    input.disabled = locked;
  }
  for (const box of $$("[data-decision]", pane)) {
    box.classList.toggle("is-answered", Boolean((pane._decisions || {})[box.dataset.decision]));
  }
  markOverdueDecisions(pane);
}

// A trainee sees each decision's window on the drill clock; once it has closed on an unanswered
// decision, the box says so (a hiring candidate's boxes carry words, not a due time).
function markOverdueDecisions(pane) {
  const elapsed = drillSeconds();
  for (const box of $$("[data-decision][data-due-seconds]", pane)) {
    const due = Number(box.dataset.dueSeconds);
    const overdue = elapsed > due && !box.classList.contains("is-answered");
    if (overdue === box.classList.contains("is-overdue")) continue;
    box.classList.toggle("is-overdue", overdue);
    const text = $("[data-urgency-text]", box);
    if (!text) continue;
    text.dataset.original = text.dataset.original || text.textContent;
    text.textContent = overdue
      ? `The window closed at +${clockText(due)}. Decide as soon as you can.`
      : text.dataset.original;
  }
}

function renderUpdates(pane) {
  const list = $("[data-updates-list]", pane);
  const template = $('template[data-template="update-row"]', pane);
  list.replaceChildren();
  (pane._updates || []).forEach((text, index) => {
    const row = template.content.firstElementChild.cloneNode(true);
    $(".update-num", row).textContent = `#${index + 1}`;
    $(".update-text", row).textContent = text;
    const remove = $("button", row);
    remove.dataset.index = index;
    remove.disabled = locked;
    list.append(row);
  });
  $("[data-updates-count]", pane).textContent = (pane._updates || []).length;
}

function drillSeconds() {
  const started = Date.parse(state.started_at);
  return Math.max(0, Math.floor((clock.now() - started) / 1000));
}

function clockText(seconds) {
  return `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
}

function drillElapsed() {
  return clockText(drillSeconds());
}

function markInjectsSeen(pane) {
  pane._seenInjects = pane._seenInjects || new Set();
  const arrived = [];
  for (const el of $$("[data-inject-id]", pane)) {
    const id = el.dataset.injectId;
    if (pane._seenInjects.has(id)) continue;
    pane._seenInjects.add(id);
    if (pane._feedInitialised) {
      el.classList.add("is-new");
      arrived.push(el);
    }
    if (!pane.hidden) track("inject_seen", pane.dataset.itemId, { inject_id: id });
    else pane._seenInjects.delete(id);
  }
  pane._seenDecisions = pane._seenDecisions || new Set();
  const asked = [];
  for (const box of $$("[data-decision]", pane)) {
    if (pane._seenDecisions.has(box.dataset.decision)) continue;
    pane._seenDecisions.add(box.dataset.decision);
    if (pane._feedInitialised) {
      box.classList.add("is-new");
      asked.push(box);
    }
  }
  pane._feedInitialised = true;
  if (arrived.length || asked.length) announceArrivals(pane, arrived, asked);
}

const NEW_EVENTS_SLACK_PX = 40;

// New events go on top of the feed, newest first. When the candidate has scrolled down to read
// older ones, the feed stays where it is and a button offers the new events; a screen reader hears
// each new event and decision through the pane's live region either way.
function announceArrivals(pane, arrived, asked) {
  const scroller = $("[data-feed-scroll]", pane);
  const button = $('[data-action="show-new-injects"]', pane);
  if (arrived.length && scroller) {
    if (scroller.scrollTop > NEW_EVENTS_SLACK_PX) button.hidden = false;
    else scroller.scrollTop = 0;
  }
  const lines = arrived.map(
    (el) => `New event: ${$("[data-inject-source]", el)?.textContent || ""}: ${$("[data-inject-text]", el)?.textContent || ""}`,
  );
  for (const box of asked) {
    const legend = $("legend", box)?.textContent.replace(/\s+/g, " ").trim() || "";
    const urgency = $("[data-urgency-text]", box)?.textContent || "";
    lines.push(`New decision: ${legend} ${urgency}`.trim());
  }
  const announcer = $("[data-incident-announcer]", pane);
  if (announcer) announcer.textContent = lines.join(" ");
}

function scheduleFeedRefresh(pane) {
  const feed = $("[data-incident-feed]", pane);
  const meta = $("[data-next-release]", feed);
  clearTimeout(pane._feedTimer);
  const next = meta && meta.dataset.nextRelease !== "" ? Number(meta.dataset.nextRelease) : null;
  if (next != null && Number.isFinite(next) && window.htmx && !locked) {
    pane._feedTimer = setTimeout(() => window.htmx.trigger(feed, "refresh"), (next + 1) * 1000);
  }
}

function initIncident(pane, saver) {
  const feed = $("[data-incident-feed]", pane);
  pane.addEventListener("change", (event) => {
    const input = event.target.closest("[data-decision-input]");
    if (!input || locked) return;
    pane._decisions = { ...(pane._decisions || {}), [input.dataset.decisionInput]: input.value };
    applyDecisions(pane);
    saver.changed({ immediate: true });
  });
  const draft = $("[data-update-draft]", pane);
  const draftKey = `update-draft:${pane.dataset.itemId}`;
  try {
    draft.value = localStorage.getItem(draftKey) || "";
  } catch {
    /* storage unavailable */
  }
  draft.addEventListener("input", () => {
    try {
      localStorage.setItem(draftKey, draft.value);
    } catch {
      /* storage unavailable */
    }
  });
  pane.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (!action || locked) return;
    if (action.dataset.action === "post-update") {
      const text = draft.value.trim();
      if (!text) return draft.focus();
      pane._updates = [...(pane._updates || []), text].slice(0, 50);
      draft.value = "";
      try {
        localStorage.removeItem(draftKey);
      } catch {
        /* storage unavailable */
      }
      renderUpdates(pane);
      saver.changed({ immediate: true });
    } else if (action.dataset.action === "remove-update") {
      pane._updates = (pane._updates || []).filter((_, i) => i !== Number(action.dataset.index));
      renderUpdates(pane);
      saver.changed({ immediate: true });
    } else if (action.dataset.action === "log-stamp") {
      const log = $('[data-field="log"]', pane);
      const stamp = `[+${drillElapsed()}] `;
      const at = log.selectionStart ?? log.value.length;
      const prefix = at > 0 && log.value[at - 1] !== "\n" ? "\n" : "";
      log.setRangeText(prefix + stamp, at, log.selectionEnd ?? at, "end");
      log.focus();
      log.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });
  feed.addEventListener("htmx:afterSwap", () => {
    applyDecisions(pane);
    markInjectsSeen(pane);
    scheduleFeedRefresh(pane);
  });
  const scroller = $("[data-feed-scroll]", pane);
  const newEvents = $('[data-action="show-new-injects"]', pane);
  newEvents.addEventListener("click", () => {
    newEvents.hidden = true;
    scroller.scrollTop = 0;
  });
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop <= NEW_EVENTS_SLACK_PX) newEvents.hidden = true;
  });
  markInjectsSeen(pane);
  scheduleFeedRefresh(pane);
  const drillClock = $("[data-drill-clock]", pane);
  const tick = () => {
    drillClock.textContent = `+${drillElapsed()}`;
    markOverdueDecisions(pane);
  };
  tick();
  setInterval(tick, 1000);
}

// ---------------------------------------------------------------------------------------------
// Postmortem: corrective action rows

function addCorrectiveRow(pane, action = {}) {
  const template = $('template[data-template="corrective-row"]', pane);
  const row = template.content.firstElementChild.cloneNode(true);
  for (const key of ["action", "owner", "due"]) $(`[data-cfield="${key}"]`, row).value = action[key] || "";
  $("[data-actions-body]", pane).append(row);
  if (locked) setInputsDisabled(row, true);
  return row;
}

function initPostmortem(pane, saver) {
  pane.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (!action || locked) return;
    if (action.dataset.action === "add-corrective") {
      const row = addCorrectiveRow(pane);
      $("input", row).focus();
    } else if (action.dataset.action === "remove-corrective") {
      const row = action.closest("[data-corrective-row]");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (!$("[data-corrective-row]", pane)) addCorrectiveRow(pane);
      (next ? $("input", next) : $('[data-action="add-corrective"]', pane))?.focus();
      saver.changed({ immediate: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Submit

const submitDialog = document.getElementById("submit-dialog");

function openSubmitDialog() {
  if (locked) return;
  const list = Object.values(savers);
  const answered = list.filter((s) => hasContent(s.savedAnswer) || s.dirty).length;
  document.getElementById("submit-summary").textContent =
    `You have answered ${answered} of ${list.length} part${list.length === 1 ? "" : "s"} of this exercise.`;
  const details = document.getElementById("submit-details");
  details.replaceChildren();
  for (const saver of list) {
    if (saver.pane.dataset.kind !== "triage_queue") continue;
    const answer = saver.kind.collect(saver.pane, saver);
    const total = ticketRows(saver.pane).length;
    const triaged = Object.values(answer.tickets || {}).filter((t) => t.severity && t.route).length;
    const li = document.createElement("li");
    li.textContent = `${triaged} of ${total} tickets have a severity and a route.`;
    details.append(li);
  }
  if (list.some((s) => s.conflict)) {
    const li = document.createElement("li");
    li.textContent = "One answer has edits that were not saved because of a change in another window; the saved version will be submitted.";
    details.append(li);
  }
  document.getElementById("submit-error").hidden = true;
  submitDialog.showModal();
}

async function confirmSubmit(event) {
  event.preventDefault();
  const confirmButton = document.getElementById("submit-confirm");
  const error = document.getElementById("submit-error");
  confirmButton.disabled = true;
  confirmButton.textContent = "Submitting…";
  error.hidden = true;
  await Promise.race([
    Promise.all(Object.values(savers).map((s) => s.flush())),
    new Promise((resolve) => setTimeout(resolve, 8000)),
  ]);
  await flushEvents();
  let res = null;
  try {
    res = await api("POST", "/submit/");
  } catch {
    res = null;
  }
  if (res && (res.ok || res.status === 409)) {
    lockAll("closed", "<strong>Submitted.</strong> Showing the confirmation…");
    submitDialog.close();
    window.location.reload();
    return;
  }
  confirmButton.disabled = false;
  confirmButton.textContent = "Submit now";
  error.textContent = res
    ? `Could not submit: ${res.data.detail || `error ${res.status}`}. Try again.`
    : "Could not reach the server. Check your connection and try again.";
  error.hidden = false;
}

document.getElementById("submit-button").addEventListener("click", openSubmitDialog);
document.getElementById("submit-confirm").addEventListener("click", confirmSubmit);
document.getElementById("help-button").addEventListener("click", () => document.getElementById("help-dialog").showModal());

// ---------------------------------------------------------------------------------------------
// Keyboard

document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
    event.preventDefault();
    Object.values(savers).forEach((s) => s.flush());
    return;
  }
  if (event.defaultPrevented || document.querySelector("dialog[open]")) return;
  const target = event.target;
  if (isTyping(target)) {
    if (event.key === "Escape") target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const kind = currentPane?.dataset.kind;
  switch (event.key) {
    case "?":
      event.preventDefault();
      document.getElementById("help-dialog").showModal();
      break;
    case "[":
      stepItem(-1);
      break;
    case "]":
      stepItem(1);
      break;
    case "j":
    case "k":
      if (kind === "triage_queue") {
        event.preventDefault();
        stepTicket(currentPane, event.key === "j" ? 1 : -1);
      }
      break;
    case "/":
      if (kind === "log_investigation") {
        event.preventDefault();
        showTab(currentPane, "logs");
        $("[data-log-q]", currentPane).focus();
      }
      break;
    case "1":
    case "2":
    case "3":
    case "4":
    case "5":
      if (kind === "log_investigation") {
        const tabs = ["ticket", "logs", "traces", "http", "dashboard"];
        showTab(currentPane, tabs[Number(event.key) - 1], { focusTab: true });
      }
      break;
  }
});

// ---------------------------------------------------------------------------------------------
// Start

const initialisers = {
  triage_queue: initTriage,
  log_investigation: initInvestigation,
  incident: initIncident,
  postmortem: initPostmortem,
};

for (const item of state.items) {
  const pane = panes.find((p) => p.dataset.itemId === item.id);
  const kind = kinds[item.kind];
  if (!pane || !kind) continue;
  const saver = new Saver(item, pane, kind);
  savers[item.id] = saver;
  markAnswered(saver);
  initialisers[item.kind]?.(pane, saver);
  pane.addEventListener("input", (event) => {
    if (event.target.closest("[data-field], [data-cfield]")) {
      updateCounters(pane);
      saver.changed();
    }
  });
  pane.addEventListener("change", (event) => {
    if (event.target.closest("select[data-field], input[type=datetime-local][data-field], input[type=date][data-cfield]")) {
      saver.changed({ immediate: true });
    }
  });
  pane.addEventListener("focusout", (event) => {
    if (event.target.closest("[data-field], [data-cfield]") && saver.dirty) saver.flush();
  });
  pane.addEventListener("click", (event) => {
    const button = event.target.closest("[data-conflict] [data-action]");
    if (!button) return;
    if (button.dataset.action === "load-latest") saver.loadLatest();
    if (button.dataset.action === "keep-mine") saver.keepMine();
  });
}

const hashItem = location.hash.startsWith("#item-") ? location.hash.slice(6) : null;
openItem(hashItem && panes.some((p) => p.dataset.itemId === hashItem) ? hashItem : currentPane.dataset.itemId);

window.addEventListener("online", () => Object.values(savers).forEach((s) => s.status === "offline" && s.save()));
window.addEventListener("beforeunload", (event) => {
  if (locked) return;
  if (Object.values(savers).some((s) => s.dirty || s.inFlight)) {
    Object.values(savers).forEach((s) => s.flush());
    event.preventDefault();
    event.returnValue = "";
  }
});
window.addEventListener("pagehide", () => flushEvents({ keepalive: true }));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") {
    Object.values(savers).forEach((s) => s.flush());
    flushEvents({ keepalive: true });
  } else {
    refreshAttempt();
  }
});

clock.render();
setInterval(() => clock.render(), 1000);
setInterval(refreshAttempt, 60000);
refreshAttempt();
renderSaveStatus();
app.dataset.ready = "true";
