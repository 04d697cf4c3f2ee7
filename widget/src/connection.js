// Rasa's socketio channel protocol, plus the gateway's extra events when it sends them.
//
// Messages go through a persistent outbox: each carries a client message id in its metadata,
// is sent only while the session is confirmed, one at a time (so the gateway stores them in
// order), and leaves the outbox only when acknowledged. A message whose ack was lost is sent
// again with the same id, and is dropped instead when the history already holds that id.

import { io } from "socket.io-client";
import { randomId } from "./storage.js";

const ACK_TIMEOUT_MS = 10000;
const RETRY_MS = 3000;
const HISTORY_WAIT_MS = 2000;
// Refusals worth retrying: the message was not stored, nothing is wrong with it.
const TRANSIENT = new Set(["storage_unavailable", "rate_limited", "internal_error"]);

export class Connection {
  /**
   * @param {object} options {server, path}
   * @param {Store} store persistent session id and outbox
   * @param {object} handlers onStatus(connected), onSession(id, changed), onBotUttered(data),
   *   onHistory(messages), onChatError(body), onSystem(body), onDelivered(item, ack),
   *   onRefused(item, ack), language() -> "fr"|"en"
   */
  constructor(options, store, handlers) {
    this.options = options;
    this.store = store;
    this.handlers = handlers;
    this.sessionId = store.get("session");
    this.ready = false;
    this.everConnected = false;
    this.awaitingHistory = false;
    this.inflight = null;
    this.retryTimer = null;
    this.historyTimer = null;
    this.socket = null;
  }

  start() {
    const socket = io(this.options.server, {
      path: this.options.path,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.socket = socket;
    socket.on("connect", () => this.requestSession());
    socket.on("disconnect", () => this.lost());
    socket.on("connect_error", () => this.handlers.onStatus(false));
    socket.on("session_confirm", (data) => this.confirmed(data));
    socket.on("bot_uttered", (data) => data && this.handlers.onBotUttered(data));
    socket.on("history", (data) => this.history(data));
    socket.on("chat_error", (data) => data && this.handlers.onChatError(data));
    socket.on("system_message", (data) => data && this.handlers.onSystem(data));
    socket.on("typing", (data) => data && this.handlers.onTyping(data));
  }

  /** Tell the agent whether the citizen is typing (no ack needed; dropped when offline). */
  typing(on) {
    if (this.ready && this.connected) this.socket.emit("typing", { typing: on, session_id: this.sessionId });
  }

  get connected() {
    return Boolean(this.socket && this.socket.connected);
  }

  requestSession() {
    this.socket.emit("session_request", { session_id: this.sessionId || null });
  }

  /** Forget the session: the next session_request starts a new conversation. */
  newSession() {
    this.sessionId = null;
    this.store.remove("session");
    this.store.setJSON("outbox", []);
    this.ready = false;
    if (this.connected) this.requestSession();
  }

  confirmed(data) {
    const id = typeof data === "string" ? data : data && data.session_id;
    if (!id) return;
    const previous = this.sessionId;
    this.sessionId = String(id);
    this.store.set("session", this.sessionId);
    this.ready = true;
    this.everConnected = true;
    this.handlers.onStatus(true);
    this.handlers.onSession(this.sessionId, Boolean(previous) && previous !== this.sessionId);
    if (previous) {
      // Show what was said before (and missed while away) before sending the queue.
      this.awaitingHistory = true;
      clearTimeout(this.historyTimer);
      this.historyTimer = setTimeout(() => {
        this.awaitingHistory = false;
        this.flush();
      }, HISTORY_WAIT_MS);
      this.socket.emit("history_request", { session_id: this.sessionId });
    } else {
      this.flush();
    }
  }

  history(data) {
    if (!data || (data.session_id && data.session_id !== this.sessionId)) return;
    const messages = Array.isArray(data.messages) ? data.messages : [];
    const stored = new Set(
      messages.map((m) => m && (m.client_message_id || (m.metadata && m.metadata.client_message_id)))
    );
    const outbox = this.outbox().filter((item) => !stored.has(item.id));
    this.store.setJSON("outbox", outbox);
    this.handlers.onHistory(messages);
    clearTimeout(this.historyTimer);
    this.awaitingHistory = false;
    this.flush();
  }

  lost() {
    this.ready = false;
    this.inflight = null;
    // socket.io would replay its own buffer on reconnect; the outbox does that, once.
    if (this.socket && Array.isArray(this.socket.sendBuffer)) this.socket.sendBuffer.length = 0;
    this.handlers.onStatus(false);
  }

  outbox() {
    const items = this.store.getJSON("outbox", []);
    return Array.isArray(items) ? items : [];
  }

  /** Queue a citizen message; returns the outbox item {id, text, metadata, display, at}. */
  send(text, metadata, display) {
    const item = { id: randomId(), text, metadata: metadata || {}, display: display || null, at: Date.now() };
    this.store.setJSON("outbox", [...this.outbox(), item]);
    this.flush();
    return item;
  }

  flush() {
    if (!this.ready || this.awaitingHistory || this.inflight || !this.connected) return;
    const [item] = this.outbox();
    if (!item) return;
    this.inflight = item.id;
    const metadata = {
      ...item.metadata,
      language: this.handlers.language(),
      client_message_id: item.id,
    };
    if (item.display) metadata.display_text = item.display;
    const payload = { message: item.text, session_id: this.sessionId, metadata };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", payload, (error, ack) => {
      if (this.inflight !== item.id) return;
      this.inflight = null;
      if (error) return this.retryLater();
      if (ack && ack.ok === false && TRANSIENT.has(ack.error)) return this.retryLater();
      this.store.setJSON("outbox", this.outbox().filter((queued) => queued.id !== item.id));
      if (ack && ack.ok === false) this.handlers.onRefused(item, ack);
      else this.handlers.onDelivered(item, ack);
      this.flush();
    });
  }

  retryLater() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flush(), RETRY_MS);
  }

  /** Emit a gateway event with an ack; resolves with the ack or rejects on timeout/offline. */
  call(event, data) {
    return new Promise((resolve, reject) => {
      if (!this.ready || !this.connected) return reject(new Error("offline"));
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, { session_id: this.sessionId, ...data }, (error, ack) => {
        if (error) reject(error);
        else if (ack && ack.ok === false) reject(new Error(ack.error || "refused"));
        else resolve(ack);
      });
    });
  }
}
