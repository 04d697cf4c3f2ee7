// The agent console: login, the /agent Socket.IO namespace (docs/agent-protocol.md §3),
// the queue, the conversation view and the keyboard shortcuts.

import * as alerts from "./alerts.js";
import * as api from "./api.js";
import { $, channelLabel, formatDateTime, isEditable, languageLabel, reasonLabel } from "./dom.js";
import { applyI18n, language, pick, setLanguage, t } from "./i18n.js";
import * as views from "./views.js";

const CALL_TIMEOUT_MS = 10000;
const TYPING_IDLE_MS = 3000;
const CITIZEN_TYPING_MS = 8000;

const state = {
  agent: null,
  socket: null,
  wantOffline: false,
  queue: [],
  offline: [],
  queueSeen: null, // conversation ids already announced (null until the first snapshot)
  alerted: new Set(),
  mine: [],
  conversations: new Map(),
  suggestions: new Map(), // message id -> assist_suggestion
  lastSuggestion: new Map(), // conversation id -> latest unsent suggestion
  unread: new Map(),
  current: null,
  agents: new Map(),
  canned: [],
  cannedMatches: [],
  services: [],
  autoAssign: undefined,
  typingSent: false,
  typingTimer: null,
  citizenTyping: new Map(),
};

// ---------------------------------------------------------------- helpers

function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  // A fresh text node in a later task makes screen readers speak it even when repeated.
  setTimeout(() => { region.textContent = text; }, 50);
}

let flashTimer = null;
function flash(text, kind = "error") {
  const el = $("flash");
  el.textContent = text;
  el.className = `flash flash--${kind}`;
  el.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

function errorText(result) {
  if (result.error === "timeout") return t("error_timeout");
  if (result.error === "disconnected") return t("error_disconnected");
  return pick(result.message) || t("error_generic", { code: result.error || "?" });
}

/** Emit with an ack; resolves to the ack, or {ok: false, error: timeout|disconnected}. */
function call(event, data = {}) {
  const socket = state.socket;
  if (!socket || !socket.connected) return Promise.resolve({ ok: false, error: "disconnected" });
  return new Promise((resolve) => {
    socket.timeout(CALL_TIMEOUT_MS).emit(event, data, (err, answer) => {
      if (err) resolve({ ok: false, error: "timeout" });
      else resolve(answer && typeof answer === "object" ? answer : { ok: false, error: "invalid_answer" });
    });
  });
}

async function act(event, data, onOk) {
  const result = await call(event, data);
  if (result.ok) {
    if (onOk) onOk(result);
  } else if (result.error === "unauthorized") {
    endSession("expired");
  } else {
    flash(errorText(result));
  }
  return result;
}

function currentConversation() {
  return state.current ? state.conversations.get(state.current) : null;
}

function isMine(conversation) {
  return Boolean(conversation && conversation.status === "open" && state.mine.includes(conversation.conversation_id));
}

function targetLanguage(conversation) {
  const collected = (conversation && conversation.collected) || {};
  const lang = (conversation && conversation.language) || collected.language;
  return lang === "fr" || lang === "en" ? lang : language();
}

function updateTitle() {
  const unread = [...state.unread.values()].reduce((a, b) => a + b, 0);
  const waiting = state.queue.length;
  const count = unread + waiting;
  document.title = `${count ? `(${count}) ` : ""}${t("app_title_short")}`;
}

// ---------------------------------------------------------------- login / logout

// Login messages are kept as [key, params] so that a language switch re-translates them.
const loginMessages = { info: null, error: null };

function setLoginMessage(which, key, params = {}) {
  loginMessages[which] = key ? [key, params] : null;
  renderLoginMessages();
}

function renderLoginMessages() {
  for (const which of ["info", "error"]) {
    const message = loginMessages[which];
    $(`login-${which}`).textContent = message ? t(message[0], message[1]) : "";
  }
}

function showLogin(infoKey) {
  $("loading").hidden = true;
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  setLoginMessage("info", infoKey);
  setLoginMessage("error", null);
  $("login-email").focus();
}

async function submitLogin(event) {
  event.preventDefault();
  alerts.prime();
  const email = $("login-email").value.trim();
  const password = $("login-password").value;
  for (const id of ["login-email", "login-password"]) $(id).removeAttribute("aria-invalid");
  if (!email || !password) {
    setLoginMessage("error", "login_missing");
    $(email ? "login-password" : "login-email").setAttribute("aria-invalid", "true");
    return;
  }
  const button = $("login-submit");
  button.disabled = true;
  button.textContent = t("logging_in");
  setLoginMessage("error", null);
  const result = await api.login(email, password);
  button.disabled = false;
  button.textContent = t("log_in");
  if (result.ok) {
    $("login-password").value = "";
    enterConsole(result.body);
    return;
  }
  setLoginMessage("error", ...loginError(result));
  if (result.status === 401 || result.status === 400) {
    $("login-password").setAttribute("aria-invalid", "true");
    $("login-password").select();
  }
}

/** [key, params] of the message for a failed login. */
function loginError(result) {
  switch (result.status) {
    case 0: return ["login_network"];
    case 400: return ["login_missing"];
    case 401: return ["login_invalid"];
    case 403: return ["login_origin"];
    case 429: {
      const seconds = Number((result.body && result.body.retry_after)
        || (result.headers && result.headers.get("Retry-After")) || 60);
      return ["login_rate_limited", { minutes: Math.max(1, Math.ceil(seconds / 60)) }];
    }
    default: return ["login_error", { status: result.status }];
  }
}

async function logout() {
  state.wantOffline = true;
  await api.logout();
  endSession("logout");
}

function endSession(reason) {
  const socket = state.socket;
  state.socket = null;
  if (socket) {
    socket.removeAllListeners();
    socket.disconnect();
  }
  resetState();
  showLogin(`ended_${reason}`);
}

function resetState() {
  Object.assign(state, {
    agent: null, wantOffline: false, autoAssign: undefined, queue: [], offline: [], queueSeen: null, mine: [], current: null,
    cannedMatches: [], typingSent: false,
  });
  for (const map of [state.conversations, state.suggestions, state.lastSuggestion, state.unread,
    state.agents, state.citizenTyping]) map.clear();
  state.alerted.clear();
  renderAll();
}

async function enterConsole(body) {
  state.agent = body.agent;
  $("loading").hidden = true;
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("agent-name").textContent = body.agent ? body.agent.name : "";
  $("presence").value = "online";
  updateAlertsButton();
  renderAll();
  connect();
  if (!state.services.length) loadServices();
}

async function loadServices() {
  const result = await api.services();
  if (result.ok && result.body && Array.isArray(result.body.services)) {
    state.services = result.body.services;
  } else {
    $("file-result").textContent = t("services_unavailable");
  }
  renderFileForm(true);
  renderLists();
  renderDetails();
}

// ---------------------------------------------------------------- socket

function setConnection(key) {
  const el = $("connection");
  el.textContent = t(key);
  el.dataset.state = key;
}

function connect() {
  if (state.socket) {
    if (!state.socket.connected) state.socket.connect();
    return;
  }
  setConnection("conn_connecting");
  const socket = window.io("/agent", {
    path: "/socket.io",
    transports: ["websocket", "polling"],
    withCredentials: true,
  });
  state.socket = socket;
  socket.on("connect", onConnect);
  socket.on("disconnect", () => setConnection(state.wantOffline ? "conn_offline" : "conn_lost"));
  socket.on("connect_error", (error) => {
    if (error && error.message === "unauthorized") endSession("expired");
    else if (error && error.message === "origin_refused") flash(t("login_origin"));
    else setConnection("conn_lost");
  });
  socket.on("hello", onHello);
  socket.on("queue", onQueue);
  socket.on("assigned", onAssigned);
  socket.on("unassigned", onUnassigned);
  socket.on("message", onMessage);
  socket.on("typing", onCitizenTyping);
  socket.on("assist_suggestion", onSuggestion);
  socket.on("presence", onPresence);
  socket.on("session_ended", (data) => endSession((data && data.reason) || "expired"));
}

async function onConnect() {
  setConnection("conn_connected");
  const [queue, agents, canned] = await Promise.all([
    call("queue_request"), call("agents_request"), call("canned_request"),
  ]);
  if (queue.ok) {
    onQueue(queue);
    // Chats that went back to the queue while we were away are no longer ours.
    const mine = new Set((queue.mine || []).map((item) => item.conversation_id));
    state.mine = state.mine.filter((id) => mine.has(id));
    for (const item of queue.mine || []) {
      if (!state.mine.includes(item.conversation_id)) await loadMine(item.conversation_id);
    }
  }
  if (agents.ok) {
    state.agents.clear();
    for (const agent of agents.agents || []) state.agents.set(agent.id, agent);
  }
  if (canned.ok) state.canned = canned.canned || [];
  renderAll();
}

async function loadMine(id) {
  const result = await call("conversation_request", { conversation_id: id });
  if (result.ok && result.conversation) {
    storeConversation(result.conversation);
    if (!state.mine.includes(id)) state.mine.push(id);
  }
}

function onHello(data) {
  if (data.agent) {
    state.agent = data.agent;
    $("agent-name").textContent = data.agent.name;
  }
  const wanted = $("presence").value;
  if ((wanted === "online" || wanted === "away") && data.presence && data.presence !== wanted) {
    act("presence", { status: wanted });
  }
  state.autoAssign = data.settings ? data.settings.auto_assign : undefined;
  renderAutoAssign();
}

function stamp(items) {
  const now = performance.now();
  return (items || []).map((item) => ({ ...item, _receivedAt: now }));
}

function onQueue(data) {
  state.queue = stamp(data.queue);
  state.offline = stamp(data.offline);
  const ids = [...state.queue, ...state.offline].map((item) => item.conversation_id);
  if (state.queueSeen !== null) {
    for (const item of [...state.queue, ...state.offline]) {
      if (!state.queueSeen.has(item.conversation_id)) newChatAlert(item, "new_in_queue");
    }
  }
  state.queueSeen = new Set([...(state.queueSeen || []), ...ids]);
  renderLists();
}

/** Announce, beep and notify; `once` skips chats already alerted (queued then auto-assigned). */
function newChatAlert(item, key, params = {}, once = true) {
  const id = item.conversation_id;
  const text = t(key, {
    channel: channelLabel(item.channel), language: languageLabel(item.language), ...params,
  });
  announce(text);
  if (once && state.alerted.has(id)) return;
  state.alerted.add(id);
  alerts.beep();
  alerts.notify(t("new_chat"), t("new_chat_body", {
    channel: channelLabel(item.channel), language: languageLabel(item.language),
    reason: reasonLabel(item.reason),
  }), `chat-${id}`, () => openConversation(id));
}

function storeConversation(conversation) {
  const id = conversation.conversation_id;
  const known = state.conversations.get(id);
  const messages = conversation.messages || (known ? known.messages : []) || [];
  state.conversations.set(id, { ...known, ...conversation, messages });
  return state.conversations.get(id);
}

function onAssigned(data) {
  const conversation = storeConversation(data.conversation);
  const id = conversation.conversation_id;
  const isNew = !state.mine.includes(id);
  if (isNew) state.mine.push(id);
  if (data.by === "transfer") {
    newChatAlert(conversation, "assigned_transfer", { name: data.from_agent ? data.from_agent.name : "" }, false);
  } else if (data.by === "auto" && isNew) {
    newChatAlert(conversation, "assigned_auto");
  }
  if (!state.current || state.current === id) {
    openConversation(id, { focus: false });
  } else if (isNew) {
    state.unread.set(id, (state.unread.get(id) || 0) + 1);
  }
  renderLists();
}

function onUnassigned(data) {
  const id = data.conversation_id;
  state.mine = state.mine.filter((x) => x !== id);
  state.unread.delete(id);
  const conversation = state.conversations.get(id);
  if (conversation) {
    const status = { resolved: "resolved", handed_back: "bot", requeued: "queued" }[data.reason];
    if (status) conversation.status = status;
    if (data.reason === "transferred") conversation.status = "open";
  }
  const text = t(`unassigned_${data.reason}`);
  if (state.current === id) {
    showBanner(text);
    announce(text);
  }
  renderLists();
  if (state.current === id) renderConversation();
}

function onMessage(data) {
  const id = data.conversation_id;
  const message = data.message;
  if (!message) return;
  if (message.sender === "citizen" && !message.private) updatePreview(id, message.text || "");
  const conversation = state.conversations.get(id);
  if (!conversation || !addMessage(conversation, message)) {
    renderLists();
    return;
  }
  if (message.sender === "citizen") clearCitizenTyping(id);
  if (state.current === id) {
    appendMessage(message);
  } else if (state.mine.includes(id) && message.sender === "citizen") {
    state.unread.set(id, (state.unread.get(id) || 0) + 1);
  }
  renderLists();
}

/** A queued or offline item shows the citizen's latest words. */
function updatePreview(id, text) {
  for (const item of [...state.queue, ...state.offline]) {
    if (item.conversation_id === id) item.preview = text.slice(0, 140);
  }
}

/** Add a message once (acks and echoes can both bring it); false when already there. */
function addMessage(conversation, message) {
  conversation.messages = conversation.messages || [];
  if (conversation.messages.some((m) => m.id === message.id)) return false;
  conversation.messages.push(message);
  return true;
}

function onCitizenTyping(data) {
  const id = data.conversation_id;
  clearTimeout(state.citizenTyping.get(id));
  if (data.typing) {
    state.citizenTyping.set(id, setTimeout(() => clearCitizenTyping(id), CITIZEN_TYPING_MS));
  } else {
    state.citizenTyping.delete(id);
  }
  renderTyping();
}

function clearCitizenTyping(id) {
  clearTimeout(state.citizenTyping.get(id));
  state.citizenTyping.delete(id);
  renderTyping();
}

function onSuggestion(data) {
  state.suggestions.set(data.message_id, data);
  state.lastSuggestion.set(data.conversation_id, data);
  if (state.current === data.conversation_id) renderSuggestion(data);
}

function onPresence(agent) {
  state.agents.set(agent.id, { ...state.agents.get(agent.id), ...agent });
  if (state.agent && agent.id === state.agent.id && agent.presence !== "offline" && !state.wantOffline) {
    $("presence").value = agent.presence;
  }
  renderAgents();
}

// ---------------------------------------------------------------- actions

async function claim(id) {
  alerts.prime();
  await act("claim", { conversation_id: id }, (result) => {
    storeConversation(result.conversation);
    if (!state.mine.includes(id)) state.mine.push(id);
    state.queue = state.queue.filter((item) => item.conversation_id !== id);
    state.offline = state.offline.filter((item) => item.conversation_id !== id);
    announce(t("claimed"));
    openConversation(id);
  });
}

function claimNext() {
  const next = state.queue[0] || state.offline[0];
  if (!next) {
    flash(t("nothing_to_claim"), "info");
    return;
  }
  claim(next.conversation_id);
}

async function openConversation(id, { focus = true } = {}) {
  if (state.current && state.current !== id) stopTyping();
  let conversation = state.conversations.get(id);
  if (!conversation || !conversation.messages || !state.mine.includes(id)) {
    const result = await call("conversation_request", { conversation_id: id });
    if (!result.ok) {
      flash(errorText(result));
      return;
    }
    conversation = storeConversation(result.conversation);
  }
  state.current = id;
  state.unread.delete(id);
  hideBanner();
  $("file-result").textContent = "";
  renderLists();
  renderConversation();
  renderFileForm(true);
  if (focus) {
    const composer = $("composer-text");
    if (!composer.disabled) composer.focus();
    else $("transcript").focus();
  }
}

async function sendComposer(event) {
  if (event) event.preventDefault();
  const conversation = currentConversation();
  const textarea = $("composer-text");
  const text = textarea.value.trim();
  const errorEl = $("composer-error");
  errorEl.textContent = "";
  if (!conversation || !text) return;
  const note = composeMode() === "note";
  stopTyping();
  const result = await call(note ? "note" : "reply", { conversation_id: conversation.conversation_id, text });
  if (!result.ok) {
    errorEl.textContent = errorText(result);
    return;
  }
  textarea.value = "";
  if (result.message && addMessage(conversation, result.message) && state.current === conversation.conversation_id) {
    appendMessage(result.message);
  }
  textarea.focus();
}

async function sendSuggestion(suggestion) {
  const conversation = state.conversations.get(suggestion.conversation_id);
  if (!isMine(conversation)) return;
  const result = await act("reply", { conversation_id: suggestion.conversation_id, text: suggestion.text }, (ok) => {
    suggestion._sent = true;
    if (state.lastSuggestion.get(suggestion.conversation_id) === suggestion) {
      state.lastSuggestion.delete(suggestion.conversation_id);
    }
    if (ok.message && addMessage(conversation, ok.message) && state.current === conversation.conversation_id) {
      appendMessage(ok.message);
    }
    renderSuggestion(suggestion);
  });
  return result;
}

async function resolveCurrent() {
  const conversation = currentConversation();
  if (!isMine(conversation)) return;
  const id = conversation.conversation_id;
  await act("resolve", { conversation_id: id, survey: $("survey-checkbox").checked }, () => {
    finishLocally(id, "resolved", t("resolved_done"));
  });
}

async function handBackCurrent() {
  const conversation = currentConversation();
  if (!isMine(conversation)) return;
  const id = conversation.conversation_id;
  await act("hand_back", { conversation_id: id }, () => finishLocally(id, "bot", t("handed_back_done")));
}

async function transferCurrent(event) {
  if (event) event.preventDefault();
  const conversation = currentConversation();
  const agentId = Number($("transfer-agent").value);
  if (!isMine(conversation) || !agentId) return;
  const id = conversation.conversation_id;
  const data = { conversation_id: id, agent_id: agentId };
  const note = $("transfer-note").value.trim();
  if (note) data.note = note;
  const target = state.agents.get(agentId);
  await act("transfer", data, () => {
    $("transfer-note").value = "";
    conversation.assignee = target ? { id: target.id, name: target.name } : conversation.assignee;
    finishLocally(id, "open", t("transferred_to", { name: target ? target.name : agentId }));
  });
}

/** After resolve/hand back/transfer: out of my chats, next chat (or the queue) in focus. */
function finishLocally(id, status, text) {
  const conversation = state.conversations.get(id);
  if (conversation) conversation.status = status;
  state.mine = state.mine.filter((x) => x !== id);
  state.unread.delete(id);
  announce(text);
  flash(text, "info");
  const next = state.mine[0];
  if (next) {
    openConversation(next);
  } else {
    state.current = id;
    renderLists();
    renderConversation();
    showBanner(text);
    $("claim-next").focus();
  }
}

async function fileRequest(event) {
  event.preventDefault();
  const conversation = currentConversation();
  if (!isMine(conversation)) return;
  const data = { conversation_id: conversation.conversation_id, service_code: $("file-service").value };
  const address = $("file-address").value.trim();
  const description = $("file-description").value.trim();
  if (address) data.address = address;
  if (description) data.description = description;
  const attributes = views.attributeValues($("file-attributes"));
  if (Object.keys(attributes).length) data.attributes = attributes;
  const out = $("file-result");
  out.textContent = "";
  const result = await call("file_request", data);
  if (!result.ok) {
    out.textContent = errorText(result);
    out.className = "error";
    return;
  }
  out.className = "success";
  out.textContent = result.expected_datetime
    ? t("request_expected", { ref: result.service_request_id, date: formatDateTime(result.expected_datetime) })
    : t("request_filed", { ref: result.service_request_id });
}

function composeMode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function setComposeMode(mode) {
  const radio = document.querySelector(`input[name="mode"][value="${mode}"]`);
  if (radio.disabled) return;
  radio.checked = true;
  if (mode === "note") stopTyping();
  renderComposer();
}

function onComposerInput() {
  const conversation = currentConversation();
  if (composeMode() !== "reply" || !isMine(conversation)) return;
  if (!state.typingSent) {
    state.typingSent = true;
    call("typing", { conversation_id: conversation.conversation_id, typing: true });
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  clearTimeout(state.typingTimer);
  if (!state.typingSent) return;
  state.typingSent = false;
  const conversation = currentConversation();
  if (isMine(conversation)) call("typing", { conversation_id: conversation.conversation_id, typing: false });
}

function insertCanned(item, lang) {
  const textarea = $("composer-text");
  if (textarea.disabled) return;
  const text = item.text[lang] || "";
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
  textarea.focus();
  textarea.selectionStart = textarea.selectionEnd = start + text.length;
  onComposerInput();
}

async function changePresence() {
  const value = $("presence").value;
  if (value === "offline") {
    stopTyping();
    state.wantOffline = true;
    if (state.socket) state.socket.disconnect();
    setConnection("conn_offline");
    return;
  }
  state.wantOffline = false;
  if (!state.socket || !state.socket.connected) {
    connect(); // hello then brings the chosen presence
    return;
  }
  await act("presence", { status: value });
}

// ---------------------------------------------------------------- rendering

function renderAll() {
  renderLists();
  renderAgents();
  renderConversation();
  renderCanned();
}

function renderLists() {
  const ctx = {
    current: state.current, services: state.services, mine: state.mine,
    conversations: state.conversations, unread: state.unread,
    open: (id) => openConversation(id), claim: (id) => claim(id),
  };
  views.renderQueue($("queue-list"), state.queue, ctx);
  views.renderQueue($("offline-list"), state.offline, ctx);
  views.renderMine($("mine-list"), ctx);
  $("queue-empty").hidden = state.queue.length > 0;
  $("offline-empty").hidden = state.offline.length > 0;
  $("mine-empty").hidden = state.mine.length > 0;
  $("queue-count").textContent = state.queue.length ? `(${state.queue.length})` : "";
  $("offline-count").textContent = state.offline.length ? `(${state.offline.length})` : "";
  $("mine-count").textContent = state.mine.length ? `(${state.mine.length})` : "";
  updateTitle();
}

function renderAgents() {
  const selfId = state.agent ? state.agent.id : null;
  views.renderAgents($("agents-list"), state.agents, selfId);
  views.renderTransferTargets($("transfer-agent"), state.agents, selfId);
  renderActions();
}

function showBanner(text) {
  $("conv-banner").textContent = text;
  $("conv-banner").hidden = false;
}

function hideBanner() {
  $("conv-banner").hidden = true;
}

function renderConversation() {
  const conversation = currentConversation();
  $("conv-empty").hidden = Boolean(conversation);
  $("conv-body").hidden = !conversation;
  renderComposer();
  if (!conversation) {
    renderDetails();
    return;
  }
  $("conv-title").textContent = `${channelLabel(conversation.channel)} · ${conversation.conversation_id.slice(0, 8)}`;
  $("conv-meta").textContent = views.conversationMeta(conversation);
  const transcript = $("transcript");
  transcript.replaceChildren(...(conversation.messages || []).map(views.messageItem));
  for (const message of conversation.messages || []) {
    const suggestion = state.suggestions.get(message.id);
    if (suggestion) renderSuggestion(suggestion);
  }
  transcript.scrollTop = transcript.scrollHeight;
  if (!isMine(conversation)) {
    if (conversation.status === "queued") showBanner(t("read_only_queued"));
    else if ($("conv-banner").hidden) showBanner(t("read_only_other"));
  }
  renderTyping();
  renderActions();
  renderComposer();
  renderDetails();
}

function appendMessage(message) {
  const transcript = $("transcript");
  const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  transcript.appendChild(views.messageItem(message));
  const suggestion = state.suggestions.get(message.id);
  if (suggestion) renderSuggestion(suggestion);
  if (nearBottom || message.sender === "agent" || message.private) transcript.scrollTop = transcript.scrollHeight;
}

function renderSuggestion(suggestion) {
  const item = $("transcript").querySelector(`[data-message-id="${CSS.escape(String(suggestion.message_id))}"]`);
  const slot = item && item.querySelector(".suggestion-slot");
  if (!slot) return;
  const conversation = state.conversations.get(suggestion.conversation_id);
  const transcript = $("transcript");
  const nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  slot.replaceChildren(views.suggestionBox(suggestion, isMine(conversation), () => sendSuggestion(suggestion)));
  if (nearBottom) transcript.scrollTop = transcript.scrollHeight;
}

function renderTyping() {
  const typing = state.current && state.citizenTyping.has(state.current);
  $("citizen-typing").textContent = typing ? t("citizen_typing") : "";
}

function renderActions() {
  const conversation = currentConversation();
  const mine = isMine(conversation);
  $("claim-button").hidden = !(conversation && conversation.status === "queued");
  for (const id of ["resolve-button", "handback-button", "survey-checkbox", "transfer-button",
    "transfer-agent", "transfer-note", "file-button", "file-service", "file-address", "file-description"]) {
    $(id).disabled = !mine;
  }
  for (const el of $("file-attributes").querySelectorAll("input, select, textarea, fieldset")) el.disabled = !mine;
  if (mine && !$("transfer-agent").value) $("transfer-button").disabled = true;
}

function renderComposer() {
  const conversation = currentConversation();
  const mine = isMine(conversation);
  const queued = Boolean(conversation && conversation.status === "queued");
  const replyRadio = document.querySelector('input[name="mode"][value="reply"]');
  const noteRadio = document.querySelector('input[name="mode"][value="note"]');
  replyRadio.disabled = !mine;
  noteRadio.disabled = !(mine || queued);
  if (!mine && queued) noteRadio.checked = true;
  if (mine && !replyRadio.checked && !noteRadio.checked) replyRadio.checked = true;
  const note = noteRadio.checked && !noteRadio.disabled;
  const enabled = mine || queued;
  const composer = $("composer");
  composer.classList.toggle("composer--note", note);
  $("composer-text").disabled = !enabled;
  $("send-button").disabled = !enabled;
  $("composer-label").textContent = t(note ? "note_label" : "reply_label");
  $("composer-hint").textContent = t(note ? "note_hint" : "composer_hint");
  $("send-button").textContent = t(note ? "save_note" : "send");
}

function renderDetails() {
  views.renderCollected($("collected"), currentConversation(), state.services);
  renderCanned();
}

function renderCanned() {
  state.cannedMatches = views.renderCanned($("canned-list"), state.canned, $("canned-search").value,
    targetLanguage(currentConversation()), insertCanned);
}

/** The service form; `prefill` copies what the bot collected for the current chat. */
function renderFileForm(prefill) {
  const conversation = currentConversation();
  const details = conversation ? { ...(conversation.summary || {}), ...(conversation.collected || {}) } : {};
  const selected = prefill ? views.serviceCode(details) : $("file-service").value;
  views.renderServices($("file-service"), state.services, selected);
  renderAttributes();
  if (prefill) {
    $("file-address").value = typeof details.address === "string" ? details.address : "";
    $("file-description").value = typeof details.description === "string" ? details.description : "";
  }
}

function renderAttributes() {
  const container = $("file-attributes");
  const code = $("file-service").value;
  const service = state.services.find((s) => s.service_code === code);
  // Keep what was typed when only the language changes.
  const kept = container.dataset.service === code ? views.attributeValues(container) : {};
  views.renderAttributes(container, service, !isMine(currentConversation()));
  container.dataset.service = code;
  for (const el of container.querySelectorAll("[data-attribute]")) {
    const value = kept[el.dataset.attribute];
    if (value === undefined) continue;
    if (el.tagName === "FIELDSET") {
      for (const box of el.querySelectorAll("input")) box.checked = value.includes(box.value);
    } else {
      el.value = value;
    }
  }
}

function updateAlertsButton() {
  const permission = alerts.notificationPermission();
  const button = $("alerts-button");
  button.textContent = t(permission === "granted" ? "alerts_on" : permission === "denied" ? "alerts_blocked" : "enable_alerts");
  button.setAttribute("aria-pressed", permission === "granted" ? "true" : "false");
  $("sound-button").setAttribute("aria-pressed", alerts.soundEnabled() ? "true" : "false");
}

function toggleLanguage() {
  setLanguage(language() === "fr" ? "en" : "fr");
  applyI18n();
  renderLoginMessages();
  if (!$("app-view").hidden) {
    setConnection($("connection").dataset.state || "conn_connecting");
    updateAlertsButton();
    renderAll();
    renderFileForm(false);
    renderAutoAssign();
  }
}

function renderAutoAssign() {
  const auto = state.autoAssign;
  $("auto-assign").textContent = auto === undefined ? "" : t(auto ? "auto_assign_on" : "auto_assign_off");
}

// ---------------------------------------------------------------- keyboard

function onKeyDown(event) {
  alerts.prime();
  const target = event.target;
  if (event.altKey && !event.ctrlKey && !event.metaKey && !$("app-view").hidden) {
    const digit = /^Digit([1-9])$/.exec(event.code);
    let handled = true;
    if (digit) {
      const id = state.mine[Number(digit[1]) - 1];
      if (id) openConversation(id);
    } else if (event.code === "KeyC") claimNext();
    else if (event.code === "KeyR") resolveCurrent();
    else if (event.code === "KeyB") handBackCurrent();
    else if (event.code === "KeyN") setComposeMode(composeMode() === "note" ? "reply" : "note");
    else if (event.code === "KeyT") $("transfer-agent").focus();
    else if (event.code === "KeyF") $("file-service").focus();
    else if (event.code === "KeyS") {
      const suggestion = state.current && state.lastSuggestion.get(state.current);
      if (suggestion) sendSuggestion(suggestion);
      else flash(t("no_suggestion"), "info");
    } else handled = false;
    if (handled) event.preventDefault();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
    if (target.id === "composer-text") sendComposer(event);
    else if (target.form && target.form.id === "transfer-form") transferCurrent(event);
    else if (target.form && target.form.id === "file-form") $("file-form").requestSubmit();
    return;
  }
  if (target.id === "canned-search") {
    if (event.key === "Enter") {
      event.preventDefault();
      if (state.cannedMatches.length) insertCanned(state.cannedMatches[0], targetLanguage(currentConversation()));
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      const first = $("canned-list").querySelector("button");
      if (first) first.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      $("composer-text").focus();
    }
    return;
  }
  if (target.closest && target.closest("#canned-list") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const buttons = [...$("canned-list").querySelectorAll(".canned-insert")];
    const index = buttons.indexOf(target.closest(".canned-item").querySelector(".canned-insert"));
    const next = buttons[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
    else if (event.key === "ArrowUp") $("canned-search").focus();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || isEditable(target) || $("app-view").hidden) return;
  if (event.key === "/") {
    event.preventDefault();
    $("canned-search").focus();
    $("canned-search").select();
  } else if (event.key === "?") {
    event.preventDefault();
    $("help-dialog").showModal();
  } else if (event.key === "Escape" && target.closest && target.closest("#canned-list")) {
    $("composer-text").focus();
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $("login-form").addEventListener("submit", submitLogin);
  for (const button of document.querySelectorAll('[data-action="toggle-language"]')) {
    button.addEventListener("click", toggleLanguage);
  }
  $("logout-button").addEventListener("click", logout);
  $("presence").addEventListener("change", changePresence);
  $("alerts-button").addEventListener("click", async () => {
    alerts.prime();
    await alerts.requestNotifications();
    updateAlertsButton();
  });
  $("sound-button").addEventListener("click", () => {
    alerts.prime();
    alerts.setSound(!alerts.soundEnabled());
    updateAlertsButton();
    if (alerts.soundEnabled()) alerts.beep();
  });
  $("help-button").addEventListener("click", () => $("help-dialog").showModal());
  $("claim-next").addEventListener("click", claimNext);
  $("claim-button").addEventListener("click", () => state.current && claim(state.current));
  $("resolve-button").addEventListener("click", resolveCurrent);
  $("handback-button").addEventListener("click", handBackCurrent);
  $("composer").addEventListener("submit", sendComposer);
  $("composer-text").addEventListener("input", onComposerInput);
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => setComposeMode(radio.value));
  }
  $("canned-search").addEventListener("input", renderCanned);
  $("transfer-form").addEventListener("submit", transferCurrent);
  $("transfer-agent").addEventListener("change", renderActions);
  $("file-form").addEventListener("submit", fileRequest);
  $("file-service").addEventListener("change", renderAttributes);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("pointerdown", alerts.prime, { once: true });
  setInterval(() => views.tickWaits([...state.queue, ...state.offline]), 500);
}

async function boot() {
  applyI18n();
  wire();
  const result = await api.me();
  if (result.ok && result.body) enterConsole(result.body);
  else showLogin(result.status === 0 ? "login_network" : null);
}

boot();
