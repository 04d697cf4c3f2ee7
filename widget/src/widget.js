// The chat window: a launcher button and a dialog in a shadow root, driven by a Connection.

import { theme } from "./colors.js";
import { Connection } from "./connection.js";
import { el, icon } from "./dom.js";
import { normalizeLanguage, pick, t } from "./i18n.js";
import { renderText, safeUrl } from "./richtext.js";
import { PHOTO_TYPES, checkPhoto, fetchAgentStatus, postSurvey, uploadPhoto } from "./services.js";
import { Store } from "./storage.js";
import { CSS } from "./styles.js";
import { clock, download, transcriptName, transcriptText } from "./transcript.js";

const TYPING_TIMEOUT_MS = 20000;
const ENDING_KINDS = new Set(["resolved", "survey", "conversation_resolved", "conversation_ended"]);
const CITIZEN_TYPING_MS = 3000;
const AGENT_ENGAGED = new Set(["queue_position", "agent_joined"]);
const AGENT_RELEASED = new Set(["agent_left", "no_agent_available", ...ENDING_KINDS]);
const FOCUSABLE =
  'button:not([disabled]), a[href], input:not([disabled]):not([type="hidden"]), textarea:not([disabled]), select, [tabindex]:not([tabindex="-1"])';

export class Widget {
  constructor(config) {
    this.config = config;
    this.store = new Store(config.server);
    this.lang = normalizeLanguage(this.store.get("lang")) || config.lang;
    this.entries = [];
    this.isOpen = false;
    this.unread = 0;
    this.online = navigator.onLine !== false;
    this.connectFailed = false;
    this.agentStatus = null;
    this.upload = null;
    this.timers = {};
    this.connection = new Connection({ server: config.server, path: config.socketPath }, this.store, {
      onStatus: (connected) => this.statusChanged(connected),
      onSession: (_id, changed) => changed && this.resetConversation(),
      onBotUttered: (data) => this.botUttered(data),
      onHistory: (messages) => this.historyReceived(messages),
      onChatError: (body) => this.chatError(body),
      onSystem: (body) => this.systemMessage(body),
      onTyping: (body) => this.agentTyping(body),
      onDelivered: (item) => this.delivered(item),
      onRefused: (item) => this.refused(item),
      language: () => this.lang,
    });
  }

  // ---- building ---------------------------------------------------------------------------

  mount(parent = document.body) {
    this.host = el("div", { id: "city311-widget", "data-city311": "" });
    this.shadow = this.host.attachShadow({ mode: "open" });
    this.ui = this.build();
    this.shadow.append(el("style", { text: CSS }), this.ui.root);
    for (const [name, value] of Object.entries(theme(this.config.primaryColor))) {
      this.ui.root.style.setProperty(name, value);
    }
    parent.appendChild(this.host);
    this.entries = this.pendingEntries();
    this.setEnded(this.store.get("ended") === "1", false);
    this.applyTexts();
    this.renderLog();
    window.addEventListener("online", () => this.networkChanged());
    window.addEventListener("offline", () => this.networkChanged());
    this.connection.start();
    if (this.config.open) this.open();
  }

  build() {
    const ui = {};
    const button = (name, props, children) => (ui[name] = el("button", { type: "button", ...props }, children));
    ui.launcherLabel = el("span", { class: "launcher-label" });
    ui.badge = el("span", { class: "badge", hidden: true });
    button("launcher", {
      class: "launcher",
      "aria-haspopup": "dialog",
      "aria-expanded": "false",
      "aria-controls": "c311-dialog",
      onclick: () => (this.isOpen ? this.close() : this.open()),
    }, [icon("chat"), ui.launcherLabel, ui.badge]);

    ui.title = el("h2", { id: "c311-title" });
    ui.subtitle = el("p", { id: "c311-subtitle" });
    button("langButton", { class: "lang", onclick: () => this.switchLanguage() });
    button("endButton", { class: "end", onclick: () => this.endConversation() });
    button("closeButton", { class: "icon-button close", onclick: () => this.close() }, [icon("close")]);
    const header = el("div", { class: "header" }, [
      el("div", { class: "heading" }, [ui.title, ui.subtitle]),
      ui.langButton, ui.endButton, ui.closeButton,
    ]);

    ui.banner = el("p", { class: "banner", role: "status" });
    ui.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
    ui.typing = el("div", { class: "typing", role: "status" });

    ui.uploadLabel = el("span", { id: "c311-upload-label" });
    ui.progress = el("progress", { max: "100", value: "0", "aria-labelledby": "c311-upload-label" });
    button("uploadCancel", { class: "cancel", onclick: () => this.upload && this.upload.abort() });
    ui.upload = el("div", { class: "upload", hidden: true }, [ui.uploadLabel, ui.progress, ui.uploadCancel]);
    ui.status = el("p", { class: "status", role: "status" });

    ui.photoInput = el("input", {
      type: "file", accept: PHOTO_TYPES.join(","), hidden: true, tabindex: "-1",
      onchange: () => this.photoChosen(),
    });
    button("locationButton", { class: "location", onclick: () => this.shareLocation() }, [icon("pin")]);
    button("photoButton", { class: "photo", onclick: () => ui.photoInput.click() }, [icon("camera")]);
    button("agentButton", { class: "agent", hidden: true, onclick: () => this.requestAgent() }, [icon("person")]);
    for (const name of ["locationButton", "photoButton", "agentButton"]) {
      ui[`${name}Label`] = el("span");
      ui[name].append(ui[`${name}Label`]);
    }
    ui.hours = el("span", { class: "hours", hidden: true });
    ui.actions = el("div", { class: "actions", role: "group" }, [
      ui.locationButton, ui.photoButton, ui.photoInput, ui.agentButton, ui.hours,
    ]);

    ui.inputLabel = el("label", { for: "c311-input", class: "sr-only" });
    ui.input = el("textarea", {
      id: "c311-input", rows: "1", maxlength: String(this.config.maxLength), autocomplete: "off",
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      },
      oninput: () => {
        this.autosize();
        this.citizenTyping();
      },
    });
    ui.sendLabel = el("span", { class: "sr-only" });
    ui.sendButton = el("button", { type: "submit", class: "send" }, [icon("send"), ui.sendLabel]);
    ui.composer = el("form", {
      class: "composer",
      onsubmit: (event) => {
        event.preventDefault();
        this.submit();
      },
    }, [ui.inputLabel, ui.input, ui.sendButton]);

    ui.ending = this.buildEnding(ui);

    ui.dialog = el("div", {
      class: "dialog", id: "c311-dialog", role: "dialog", "aria-modal": "true",
      "aria-labelledby": "c311-title", "aria-describedby": "c311-subtitle", hidden: true,
      onkeydown: (event) => this.dialogKey(event),
    }, [header, ui.banner, ui.log, ui.typing, ui.upload, ui.status, ui.actions, ui.composer, ui.ending]);
    ui.root = el("div", { class: `root ${this.config.position === "left" ? "left" : "right"}` }, [
      ui.dialog, ui.launcher,
    ]);
    return ui;
  }

  buildEnding(ui) {
    ui.endedHeading = el("h3", { id: "c311-ended", tabindex: "-1" });
    ui.legend = el("legend");
    ui.radios = [];
    ui.radioLabels = [];
    const options = [1, 2, 3, 4, 5].map((value) => {
      const radio = el("input", { type: "radio", name: "c311-rating", value: String(value) });
      const text = el("span");
      ui.radios.push(radio);
      ui.radioLabels.push(text);
      return el("label", {}, [radio, text]);
    });
    ui.ratingStatus = el("p", { role: "status" });
    ui.ratingSubmit = el("button", { type: "submit" });
    ui.ratingForm = el("form", {
      class: "rating",
      onsubmit: (event) => {
        event.preventDefault();
        this.submitRating();
      },
    }, [el("fieldset", {}, [ui.legend, ...options]), ui.ratingSubmit, ui.ratingStatus]);
    ui.transcriptButton = el("button", { type: "button", class: "transcript", onclick: () => this.downloadTranscript() });
    ui.restartButton = el("button", { type: "button", class: "restart", onclick: () => this.restart() });
    return el("section", { class: "ending", "aria-labelledby": "c311-ended", hidden: true }, [
      ui.endedHeading, ui.ratingForm, el("div", { class: "row" }, [ui.transcriptButton, ui.restartButton]),
    ]);
  }

  /** Every UI string in the current language. */
  applyTexts() {
    const ui = this.ui;
    const say = (key, ...args) => t(this.lang, key, ...args);
    const other = this.lang === "fr" ? "en" : "fr";
    ui.root.setAttribute("lang", this.lang === "fr" ? "fr-CA" : "en-CA");
    ui.launcherLabel.textContent = say("launcher");
    ui.title.textContent = (this.config.titles && this.config.titles[this.lang]) || say("title");
    ui.subtitle.textContent = say("subtitle");
    ui.langButton.textContent = say("switchLanguage");
    ui.langButton.setAttribute("lang", other);
    ui.endButton.textContent = say("end");
    ui.endButton.setAttribute("aria-label", say("endLabel"));
    ui.closeButton.setAttribute("aria-label", say("close"));
    ui.log.setAttribute("aria-label", say("log"));
    ui.actions.setAttribute("aria-label", say("tools"));
    ui.locationButtonLabel.textContent = say("locationShort");
    ui.locationButton.setAttribute("aria-label", say("location"));
    ui.photoButtonLabel.textContent = say("photoShort");
    ui.photoButton.setAttribute("aria-label", say("photo"));
    ui.photoInput.setAttribute("aria-label", say("photo"));
    ui.agentButtonLabel.textContent = say("agentRequest");
    ui.uploadLabel.textContent = say("uploading");
    ui.uploadCancel.textContent = say("cancel");
    ui.inputLabel.textContent = say("inputLabel");
    ui.input.setAttribute("placeholder", say("placeholder"));
    ui.sendLabel.textContent = say("send");
    ui.endedHeading.textContent = say("ended");
    ui.legend.textContent = say("ratingLegend");
    ui.radioLabels.forEach((label, i) => (label.textContent = say("ratingValues")[i]));
    ui.ratingSubmit.textContent = say("ratingSubmit");
    ui.transcriptButton.textContent = say("transcript");
    ui.restartButton.textContent = say("restart");
    this.updateBadge();
    this.updateBanner();
    this.updateAgentOption();
  }

  // ---- opening, closing, keyboard ----------------------------------------------------------

  open() {
    if (this.isOpen) return;
    this.isOpen = true;
    this.ui.dialog.hidden = false;
    this.ui.root.classList.add("open");
    this.ui.launcher.setAttribute("aria-expanded", "true");
    this.unread = 0;
    this.updateBadge();
    this.scrollToEnd();
    (this.ended ? this.ui.endedHeading : this.ui.input).focus();
    this.refreshAgentStatus();
    clearInterval(this.timers.status);
    this.timers.status = setInterval(() => this.refreshAgentStatus(), this.config.statusInterval * 1000);
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.ui.dialog.hidden = true;
    this.ui.root.classList.remove("open");
    this.ui.launcher.setAttribute("aria-expanded", "false");
    clearInterval(this.timers.status);
    this.ui.launcher.focus();
  }

  dialogKey(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key !== "Tab") return;
    // Keep focus inside the dialog (aria-modal): wrap at both ends.
    const focusable = Array.from(this.ui.dialog.querySelectorAll(FOCUSABLE)).filter(
      (node) => node.getClientRects().length > 0 && !(node.type === "radio" && !node.checked && this.radioGroupHasOther(node))
    );
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.shadow.activeElement;
    if (event.shiftKey && (active === first || !this.ui.dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !this.ui.dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  radioGroupHasOther(radio) {
    return this.ui.radios.some((other) => other !== radio && other.checked);
  }

  // ---- the conversation ----------------------------------------------------------------------

  /** Citizen messages still in the outbox, shown as waiting. */
  pendingEntries() {
    return this.connection.outbox().map((item) => ({
      kind: "citizen", text: item.display || item.text, time: item.at, clientId: item.id, pending: true,
      photo: item.metadata && item.metadata.photo_url,
    }));
  }

  submit() {
    const text = this.ui.input.value.trim();
    if (!text) return;
    this.ui.input.value = "";
    this.autosize();
    if (this.typingSentAt) {
      this.typingSentAt = 0;
      this.connection.typing(false);
    }
    this.sendText(text);
  }

  sendText(text, metadata, display, extra) {
    if (this.ended) return;
    const item = this.connection.send(text, metadata, display);
    this.appendEntry({
      kind: "citizen", text: display || text, time: item.at, clientId: item.id, pending: true, ...extra,
    });
  }

  delivered(item) {
    const entry = this.entries.find((candidate) => candidate.clientId === item.id);
    if (entry) {
      entry.pending = false;
      this.updateState(entry);
    }
    this.setTyping(true);
  }

  refused(item) {
    const entry = this.entries.find((candidate) => candidate.clientId === item.id);
    if (entry) {
      entry.pending = false;
      entry.failed = true;
      this.updateState(entry);
    }
  }

  botUttered(data) {
    // The gateway doubles each system_message as a bot_uttered for plain Rasa widgets.
    if (data.sender === "system") return this.systemMessage(data, true);
    this.setTyping(false);
    const entry = {
      kind: data.sender === "agent" ? "agent" : "bot",
      name: typeof data.agent_name === "string" ? data.agent_name : null,
      text: typeof data.text === "string" ? data.text : "",
      time: Date.now(),
      quickReplies: replies(data.quick_replies || data.buttons),
      image: imageOf(data),
    };
    if (!entry.text && !entry.quickReplies && !entry.image) return;
    this.appendEntry(entry, true);
  }

  historyReceived(messages) {
    let offered = [];
    const shown = messages.filter((m) => m && typeof m === "object").map((m) => {
      const kind = ["citizen", "agent", "system"].includes(m.sender) ? m.sender : "bot";
      let text = m.display_text || (typeof m.text === "string" ? m.text : m.content) || "";
      // A clicked button is stored as its payload: show the title that was clicked.
      const clicked = kind === "citizen" && offered.find((reply) => reply.payload === text);
      if (clicked) text = clicked.title;
      const entry = {
        kind, text, code: m.kind || null, name: m.agent_name || null, time: Date.parse(m.created_at) || Date.now(),
        fr: m.fr, en: m.en, quickReplies: replies(m.quick_replies || m.buttons), image: imageOf(m),
        photo: m.photo_url || (m.metadata && m.metadata.photo_url) || null,
      };
      if (entry.code === "survey") entry.quickReplies = null;
      if (kind !== "citizen") offered = entry.quickReplies || [];
      return entry;
    });
    this.entries = [...shown.filter((e) => e.text || e.image || e.quickReplies || e.fr), ...this.pendingEntries()];
    this.renderLog();
    this.updateAgentOption();
  }

  chatError(body) {
    this.setTyping(false);
    const last = this.entries[this.entries.length - 1];
    if (last && last.kind === "error" && last.code === body.code && Date.now() - last.time < 10000) return;
    this.appendEntry({ kind: "error", code: body.code, text: body.text, fr: body.fr, en: body.en, time: Date.now() }, true);
  }

  systemMessage(body, viaBotUttered = false) {
    this.setTyping(false);
    const code = body.kind || null;
    // A survey's 1-5 quick replies are replaced by the rating panel.
    const quickReplies = code === "survey" ? null : replies(body.quick_replies || body.buttons);
    if (body.conversation_id && body.survey_url) {
      this.survey = { conversationId: String(body.conversation_id), url: String(body.survey_url) };
      this.store.setJSON("survey", this.survey);
    }
    const twin = this.entries.slice(-4).find((e) => e.kind === "system" && e.code === code
      && (e.text === body.text || (body.fr && e.fr === body.fr)));
    if (twin) {
      if (!viaBotUttered && (body.fr || body.en || quickReplies)) {
        Object.assign(twin, { fr: body.fr, en: body.en, quickReplies: quickReplies || twin.quickReplies });
        twin.node.replaceWith(this.entryNode(twin, twin === this.entries[this.entries.length - 1]));
      }
    } else if (body.text || body.fr || body.en) {
      this.appendEntry({ kind: "system", code, text: body.text, fr: body.fr, en: body.en, quickReplies, time: Date.now() }, true);
    }
    if (ENDING_KINDS.has(code) && !this.ended) this.setEnded(true, this.isOpen);
    this.updateAgentOption();
  }

  agentTyping(body) {
    if (body.sender && body.sender !== "agent") return;
    this.setTyping(Boolean(body.typing), body.agent_name);
  }

  /** Typing in the message box: tell an agent (at most every few seconds). */
  citizenTyping() {
    if (!this.withAgent()) return;
    const now = Date.now();
    if (!this.typingSentAt || now - this.typingSentAt > CITIZEN_TYPING_MS) {
      this.typingSentAt = now;
      this.connection.typing(true);
    }
  }

  /** A message of the widget itself (not sent anywhere), in both languages. */
  localNote(key, ...args) {
    this.appendEntry({ kind: "error", code: key, fr: t("fr", key, ...args), en: t("en", key, ...args), time: Date.now() });
  }

  resetConversation() {
    this.entries = this.pendingEntries();
    this.renderLog();
  }

  // ---- rendering -------------------------------------------------------------------------

  renderLog() {
    const log = this.ui.log;
    log.setAttribute("aria-busy", "true");
    log.replaceChildren(el("p", { class: "intro", text: t(this.lang, "welcome") }));
    this.entries.forEach((entry, i) => log.appendChild(this.entryNode(entry, i === this.entries.length - 1)));
    log.removeAttribute("aria-busy");
    this.scrollToEnd();
  }

  appendEntry(entry, live = false) {
    this.entries.push(entry);
    const hadFocus = this.ui.log.contains(this.shadow.activeElement);
    for (const group of this.ui.log.querySelectorAll(".replies")) group.remove();
    if (hadFocus && !this.ui.log.contains(this.shadow.activeElement)) this.ui.input.focus();
    this.ui.log.appendChild(this.entryNode(entry, true));
    this.scrollToEnd();
    if (live && !this.isOpen && entry.kind !== "citizen") {
      this.unread += 1;
      this.updateBadge();
    }
  }

  entryNode(entry, isLast) {
    if (entry.kind === "system" || entry.kind === "error") {
      entry.node = el("div", { class: `note ${entry.kind}` }, [pick(this.lang, entry)]);
      if (isLast && entry.quickReplies) entry.node.appendChild(this.repliesNode(entry.quickReplies));
      return entry.node;
    }
    const who = entry.kind === "citizen" ? t(this.lang, "you")
      : entry.kind === "agent" ? [t(this.lang, "agent"), entry.name].filter(Boolean).join(" — ")
        : t(this.lang, "bot");
    const node = el("div", { class: `msg ${entry.kind}` });
    // Who speaks is read out; shown only for agents (the bubbles' sides say it visually).
    node.append(el("span", { class: entry.kind === "agent" ? "who" : "sr-only", text: `${who}${this.lang === "fr" ? " :" : ":"} ` }));
    if (entry.text) {
      const bubble = el("div", { class: "bubble" });
      bubble.appendChild(renderText(document, entry.text, t(this.lang, "newWindow")));
      node.appendChild(bubble);
    }
    const source = entry.image || entry.photo;
    const picture = source ? safeUrl(source, this.config.server) : null;
    if (picture) {
      node.appendChild(el("img", { src: picture, alt: t(this.lang, entry.image ? "image" : "photoAlt"), loading: "lazy" }));
    }
    if (isLast && entry.quickReplies) node.appendChild(this.repliesNode(entry.quickReplies));
    entry.stateNode = el("span", { class: "state" });
    node.appendChild(el("div", { class: "meta" }, [el("time", { text: clock(entry.time, this.lang) }), " ", entry.stateNode]));
    entry.node = node;
    this.updateState(entry);
    return node;
  }

  repliesNode(list) {
    return el("div", { class: "replies", role: "group", "aria-label": t(this.lang, "replies") },
      list.map((reply) => el("button", { type: "button", text: reply.title, onclick: () => this.chooseReply(reply) })));
  }

  updateState(entry) {
    if (!entry.stateNode) return;
    entry.node.classList.toggle("failed", Boolean(entry.failed));
    entry.stateNode.textContent = entry.failed ? t(this.lang, "failed") : entry.pending ? t(this.lang, "queued") : "";
  }

  chooseReply(reply) {
    this.ui.input.focus();
    this.sendText(reply.payload, {}, reply.title);
  }

  scrollToEnd() {
    this.ui.log.scrollTop = this.ui.log.scrollHeight;
  }

  autosize() {
    const input = this.ui.input;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 4, 120)}px`;
  }

  setTyping(on, agentName) {
    clearTimeout(this.timers.typing);
    this.ui.typing.replaceChildren();
    this.typingAgent = on ? agentName || null : null;
    if (!on) return;
    this.ui.typing.append(
      el("span", { class: "dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      agentName ? t(this.lang, "agentTyping", agentName) : t(this.lang, "typing"),
    );
    this.timers.typing = setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
  }

  updateBadge() {
    const badge = this.ui.badge;
    badge.hidden = this.unread === 0;
    badge.replaceChildren();
    if (this.unread) {
      badge.append(
        el("span", { "aria-hidden": "true", text: String(this.unread) }),
        el("span", { class: "sr-only", text: t(this.lang, "unread", this.unread) }),
      );
    }
  }

  // ---- connectivity --------------------------------------------------------------------------

  statusChanged(connected) {
    if (!connected) this.connectFailed = true;
    this.updateBanner();
  }

  networkChanged() {
    this.online = navigator.onLine !== false;
    this.updateBanner();
  }

  updateBanner() {
    const offline = !this.online || (!this.connection.connected && this.connectFailed);
    const text = offline ? t(this.lang, "offline") : "";
    if (this.ui.banner.textContent !== text) this.ui.banner.textContent = text;
    this.ui.root.classList.toggle("offline", offline);
  }

  // ---- tools: location, photo, agent -------------------------------------------------------------

  shareLocation() {
    if (!navigator.geolocation) return this.localNote("locationUnsupported");
    this.ui.status.textContent = t(this.lang, "locating");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        this.ui.status.textContent = "";
        const lat = Number(position.coords.latitude.toFixed(6));
        const long = Number(position.coords.longitude.toFixed(6));
        this.sendText(t(this.lang, "locationText", lat.toFixed(5), long.toFixed(5)), { location: { lat, long } });
      },
      () => {
        this.ui.status.textContent = "";
        this.localNote("locationDenied");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  async photoChosen() {
    const file = this.ui.photoInput.files && this.ui.photoInput.files[0];
    this.ui.photoInput.value = "";
    if (!file || this.upload) return;
    const problem = checkPhoto(file, this.config.maxPhotoMb * 1024 * 1024);
    if (problem === "type") return this.localNote("photoType");
    if (problem === "size") return this.localNote("photoTooBig", this.config.maxPhotoMb);
    if (!this.connection.ready) return this.localNote("photoFailed");
    const ui = this.ui;
    ui.progress.value = 0;
    ui.progress.setAttribute("aria-valuetext", "0 %");
    ui.upload.hidden = false;
    this.upload = uploadPhoto(this.config.server + this.config.uploadPath, this.connection.sessionId, file, (percent) => {
      ui.progress.value = percent;
      ui.progress.setAttribute("aria-valuetext", `${percent} %`);
    });
    try {
      const url = await this.upload.promise;
      this.sendText(t(this.lang, "photoText", url), { photo_url: url }, null, { photo: url });
    } catch (error) {
      const message = error.body && error.body.message;
      if (message && (message.fr || message.en)) {
        this.appendEntry({ kind: "error", code: error.body.error, fr: message.fr, en: message.en, time: Date.now() });
      } else if (!error.aborted) this.localNote("photoFailed");
    } finally {
      const focusWasInUpload = ui.upload.contains(this.shadow.activeElement);
      this.upload = null;
      ui.upload.hidden = true;
      if (focusWasInUpload) ui.photoButton.focus();
    }
  }

  async refreshAgentStatus() {
    this.agentStatus = await fetchAgentStatus(this.config.server + this.config.statusPath);
    this.updateAgentOption();
  }

  updateAgentOption() {
    const status = this.agentStatus;
    const available = Boolean(status && status.agents_available === true);
    const hadFocus = this.shadow && this.shadow.activeElement === this.ui.agentButton;
    this.ui.agentButton.hidden = !available || this.ended || this.withAgent();
    if (hadFocus && this.ui.agentButton.hidden) this.ui.input.focus();
    const hours = status && !available && status.hours ? pick(this.lang, status.hours) : "";
    this.ui.hours.hidden = !hours;
    this.ui.hours.textContent = hours ? t(this.lang, "agentHours", hours) : "";
  }

  /** Whether the conversation is queued for or with an agent (no need to offer one). */
  withAgent() {
    let engaged = false;
    for (const entry of this.entries) {
      if (entry.kind === "agent" || AGENT_ENGAGED.has(entry.code)) engaged = true;
      if (AGENT_RELEASED.has(entry.code)) engaged = false;
    }
    return engaged;
  }

  requestAgent() {
    this.sendText("/request_human", { request_human: true }, t(this.lang, "agentRequestText"));
    this.ui.input.focus();
  }

  // ---- language, end of conversation -------------------------------------------------------------

  switchLanguage() {
    this.lang = this.lang === "fr" ? "en" : "fr";
    this.store.set("lang", this.lang);
    this.applyTexts();
    this.renderLog();
    if (this.ui.typing.childNodes.length) this.setTyping(true, this.typingAgent);
  }

  endConversation() {
    this.connection.call("end_conversation", {}).then((ack) => {
      if (ack && ack.conversation_id && ack.survey_url) {
        this.survey = { conversationId: String(ack.conversation_id), url: String(ack.survey_url) };
        this.store.setJSON("survey", this.survey);
      }
    }).catch(() => {});
    this.setEnded(true, true);
  }

  setEnded(ended, focus) {
    this.ended = ended;
    if (ended) this.store.set("ended", "1");
    else this.store.remove("ended");
    const ui = this.ui;
    ui.ending.hidden = !ended;
    ui.composer.hidden = ended;
    ui.actions.hidden = ended;
    ui.endButton.hidden = ended;
    const rated = this.store.get("rated");
    ui.ratingForm.hidden = Boolean(rated);
    if (ended) this.setTyping(false);
    if (focus) ui.endedHeading.focus();
  }

  async submitRating() {
    const chosen = this.ui.radios.find((radio) => radio.checked);
    const status = this.ui.ratingStatus;
    if (!chosen) {
      status.textContent = t(this.lang, "ratingMissing");
      return;
    }
    this.ui.ratingSubmit.disabled = true;
    try {
      const rating = Number(chosen.value);
      const survey = this.survey || this.store.getJSON("survey", null);
      if (survey) {
        await postSurvey(new URL(survey.url, this.config.server + "/").href, {
          rating, conversation_id: survey.conversationId, channel: "web", language: this.lang,
        });
      } else {
        await this.connection.call("satisfaction", { rating, language: this.lang });
      }
      this.store.set("rated", chosen.value);
      status.textContent = t(this.lang, "ratingThanks");
      this.ui.radios.forEach((radio) => (radio.disabled = true));
      this.ui.transcriptButton.focus();
    } catch (_error) {
      status.textContent = t(this.lang, "ratingFailed");
      this.ui.ratingSubmit.disabled = false;
    }
  }

  downloadTranscript() {
    download(this.shadow, transcriptName(this.lang), transcriptText(this.entries, this.lang));
  }

  restart() {
    this.connection.newSession();
    this.store.remove("rated");
    this.store.remove("survey");
    this.survey = null;
    this.entries = [];
    this.ui.radios.forEach((radio) => {
      radio.checked = false;
      radio.disabled = false;
    });
    this.ui.ratingSubmit.disabled = false;
    this.ui.ratingStatus.textContent = "";
    this.setEnded(false, false);
    this.updateAgentOption();
    this.renderLog();
    this.ui.input.focus();
  }
}

/** [{title, payload}] from Rasa buttons or quick replies, or null. */
function replies(list) {
  if (!Array.isArray(list)) return null;
  const out = list
    .filter((reply) => reply && (typeof reply.title === "string" || typeof reply.payload === "string"))
    .map((reply) => ({ title: String(reply.title || reply.payload), payload: String(reply.payload || reply.title) }));
  return out.length ? out : null;
}

/** The image URL of a bot message (Rasa attachment {type: "image", payload: {src}} or image). */
function imageOf(data) {
  const attachment = data.attachment;
  if (attachment && attachment.type === "image" && attachment.payload) {
    const src = attachment.payload.src || attachment.payload.url;
    return typeof src === "string" ? src : null;
  }
  return typeof data.image === "string" ? data.image : null;
}
