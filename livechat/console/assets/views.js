// Rendering of the lists, the transcript and the side panels. Pure DOM building from state;
// user data is only ever placed with textContent (through h()).

import {
  $, channelIcon, channelLabel, fold, formatDateTime, formatDuration, formatTime, h,
  languageLabel, reasonLabel,
} from "./dom.js";
import { language, pick, t } from "./i18n.js";

/** Seconds a queue item has waited, counted on from when the server said so. */
export function waitSeconds(item) {
  if (typeof item.waiting_seconds === "number" && item._receivedAt !== undefined) {
    return item.waiting_seconds + (performance.now() - item._receivedAt) / 1000;
  }
  const since = Date.parse(item.queued_at);
  return Number.isNaN(since) ? 0 : (Date.now() - since) / 1000;
}

/** Re-render a container while keeping focus on the element with the same data-key. */
export function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}

function channelTag(channel) {
  return h("span", { class: `tag channel channel--${channel === "sms" ? "sms" : "web"}` },
    channelIcon(channel), channelLabel(channel));
}

export function serviceName(services, code) {
  const service = services.find((s) => s.service_code === code);
  return service ? pick(service.name) : code;
}

/** The queue (or offline list) as items with live wait times and View/Claim buttons. */
export function renderQueue(list, items, ctx) {
  keepFocus(list, () => {
    list.replaceChildren(...items.map((item) => {
      const id = item.conversation_id;
      const wait = formatDuration(waitSeconds(item));
      const service = item.summary && item.summary.service_code
        ? serviceName(ctx.services, item.summary.service_code) : null;
      return h("li", { class: `item${ctx.current === id ? " item--current" : ""}`, dataset: { id } },
        h("div", { class: "item-line" },
          channelTag(item.channel),
          h("span", { class: "tag", lang: item.language || undefined }, languageLabel(item.language)),
          item.position ? h("span", { class: "tag" }, t("position", { position: item.position })) : null,
          h("span", { class: "wait", dataset: { waitFor: id } }, wait)),
        h("div", { class: "item-reason" }, reasonLabel(item.reason), service ? ` · ${service}` : ""),
        item.preview ? h("p", { class: "preview" }, item.preview) : null,
        h("div", { class: "item-actions" },
          h("button", {
            type: "button", "data-key": `view:${id}`,
            "aria-label": t("view_item", { channel: channelLabel(item.channel), wait }),
            onclick: () => ctx.open(id),
          }, t("view")),
          h("button", {
            type: "button", class: "primary", "data-key": `claim:${id}`,
            "aria-label": t("claim_item", { channel: channelLabel(item.channel), wait }),
            onclick: () => ctx.claim(id),
          }, t("claim"))));
    }));
  });
}

/** Live-update the wait times without rebuilding the lists. */
export function tickWaits(items) {
  const byId = new Map(items.map((item) => [item.conversation_id, item]));
  for (const el of document.querySelectorAll("[data-wait-for]")) {
    const item = byId.get(el.dataset.waitFor);
    if (item) el.textContent = formatDuration(waitSeconds(item));
  }
}

function lastCitizenText(conversation) {
  const messages = conversation.messages || [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    if (messages[i].sender === "citizen" && !messages[i].private) return messages[i].text || "";
  }
  return "";
}

/** "My chats": numbered Alt+1..9, unread counts, the citizen's last words. */
export function renderMine(list, ctx) {
  keepFocus(list, () => {
    list.replaceChildren(...ctx.mine.map((id, index) => {
      const conversation = ctx.conversations.get(id) || { conversation_id: id };
      const unread = ctx.unread.get(id) || 0;
      const preview = lastCitizenText(conversation);
      return h("li", { class: "item" },
        h("button", {
          type: "button", class: "chat-button", "data-key": `mine:${id}`,
          "aria-current": ctx.current === id ? "true" : undefined,
          onclick: () => ctx.open(id),
        },
        index < 9 ? h("kbd", { class: "chat-number" }, t("chat_number", { n: index + 1 })) : null,
        h("span", { class: "item-line" },
          channelTag(conversation.channel),
          h("span", { class: "tag" }, languageLabel(conversation.language)),
          unread ? h("span", { class: "badge", "aria-label": t("unread", { count: unread }) }, String(unread)) : null),
        preview ? h("span", { class: "preview" }, preview.slice(0, 140)) : null));
    }));
  });
}

export function renderAgents(list, agents, selfId) {
  const sorted = [...agents.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  list.replaceChildren(...sorted.map((agent) => h("li", { class: `agent agent--${agent.presence}` },
    h("span", { class: "dot", "aria-hidden": "true" }),
    h("span", { class: "agent-label" }, agent.name, agent.id === selfId ? ` (${t("you")})` : ""),
    h("span", { class: "muted" }, ` ${t(`presence_${agent.presence}`)} · `,
      t("agent_load", { open: agent.open_count ?? 0, max: agent.max_concurrent ?? "?" })))));
}

export function renderTransferTargets(select, agents, selfId) {
  const previous = select.value;
  const online = [...agents.values()].filter((a) => a.presence === "online" && a.id !== selfId);
  if (!online.length) {
    select.replaceChildren(h("option", { value: "" }, t("transfer_nobody")));
    return;
  }
  select.replaceChildren(...online.map((agent) => h("option", { value: String(agent.id) },
    `${agent.name} (${t("agent_load", { open: agent.open_count ?? 0, max: agent.max_concurrent ?? "?" })})`)));
  if (online.some((a) => String(a.id) === previous)) select.value = previous;
}

function senderLabel(message) {
  if (message.private) {
    return `${t("private_note")}${message.agent ? ` · ${message.agent.name}` : ""}`;
  }
  if (message.direction === "activity") return t("activity");
  if (message.sender === "agent") return message.agent ? message.agent.name : t("sender_agent");
  return t(`sender_${message.sender}`) || message.sender;
}

export function messageKind(message) {
  if (message.private) return "note";
  if (message.direction === "activity") return "activity";
  return ["citizen", "bot", "agent", "system"].includes(message.sender) ? message.sender : "system";
}

/** Activity lines (agents only) follow the console's language; the rest is what was sent. */
function messageText(message, kind) {
  if (kind === "activity" && (message.fr || message.en)) return pick(message);
  return message.text || "";
}

/** One transcript line. Suggestions for citizen messages go in its .suggestion-slot. */
export function messageItem(message) {
  const kind = messageKind(message);
  const replies = Array.isArray(message.quick_replies) ? message.quick_replies : [];
  return h("li", { class: `msg msg--${kind}`, dataset: { messageId: String(message.id) } },
    h("div", { class: "msg-head" },
      h("span", { class: "msg-sender" }, senderLabel(message)),
      h("time", { datetime: message.created_at || "" }, formatTime(message.created_at))),
    h("p", { class: "msg-text" }, messageText(message, kind)),
    replies.length ? h("ul", { class: "quick-replies" },
      ...replies.map((reply) => h("li", {}, reply.title || reply.payload || ""))) : null,
    kind === "citizen" ? h("div", { class: "suggestion-slot" }) : null);
}

/** The agent-assist suggestion under a citizen message, with a one-click send. */
export function suggestionBox(suggestion, canSend, onSend) {
  const confidence = Math.round((Number(suggestion.confidence) || 0) * 100);
  const label = t("suggestion", { confidence });
  return h("div", { class: "suggestion", role: "group", "aria-label": label },
    h("span", { class: "suggestion-label" }, label),
    h("p", { class: "suggestion-text", lang: suggestion.language || undefined }, suggestion.text || ""),
    h("button", {
      type: "button", class: "suggestion-send", disabled: !canSend || suggestion._sent,
      "aria-label": t("send_suggestion_label", { text: suggestion.text || "" }),
      onclick: onSend,
    }, t("send_suggestion")));
}

/** The service code the bot collected (the summary says service_code, the bot's slot service). */
export function serviceCode(details) {
  const code = details.service_code || details.service;
  return typeof code === "string" ? code : "";
}

/** The "collected by the bot" list: known details first, then any other slot. */
export function renderCollected(dl, conversation, services) {
  if (!conversation) {
    dl.replaceChildren();
    return;
  }
  const details = { ...(conversation.summary || {}), ...(conversation.collected || {}) };
  const rows = [];
  const add = (label, value, lang) => {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    rows.push(h("dt", {}, label), h("dd", { lang }, text.length > 300 ? `${text.slice(0, 300)}…` : text));
  };
  const code = serviceCode(details);
  add(t("service"), code ? serviceName(services, code) : null);
  add(t("address"), details.address);
  add(t("description"), details.description);
  add(t("language"), details.language ? languageLabel(details.language) : null);
  const shown = new Set(["service_code", "service", "address", "description", "language", "requested_slot",
    "session_started_metadata"]);
  for (const [key, value] of Object.entries(details)) if (!shown.has(key)) add(key, value);
  if (!rows.length) {
    const empty = conversation.collected === null && !Object.keys(conversation.summary || {}).length
      ? t("collected_unavailable") : t("collected_none");
    rows.push(h("dd", { class: "muted" }, empty));
  }
  dl.replaceChildren(...rows);
}

/** The conversation header line: channel, language, status, reason, assignee, times. */
export function conversationMeta(conversation) {
  const parts = [channelLabel(conversation.channel), languageLabel(conversation.language),
    t(`status_${conversation.status}`)];
  if (conversation.reason) parts.push(reasonLabel(conversation.reason));
  if (conversation.assignee) parts.push(t("assigned_to", { name: conversation.assignee.name }));
  if (conversation.queued_at) parts.push(formatDateTime(conversation.queued_at));
  return parts.join(" · ");
}

/** Canned responses matching the search; inserting uses the citizen's language. */
export function renderCanned(list, canned, query, targetLanguage, onInsert) {
  const q = fold(query.trim());
  const matches = canned.filter((item) => !q || [item.title.fr, item.title.en, item.text.fr, item.text.en]
    .some((text) => fold(text).includes(q)));
  if (!matches.length) {
    list.replaceChildren(h("li", { class: "muted" }, t("canned_none")));
    return matches;
  }
  const other = targetLanguage === "fr" ? "en" : "fr";
  list.replaceChildren(...matches.map((item) => h("li", { class: "canned-item" },
    h("button", {
      type: "button", class: "canned-insert", "data-key": `canned:${item.id}`,
      "aria-label": t("canned_insert", { title: pick(item.title), language: languageLabel(targetLanguage) }),
      onclick: () => onInsert(item, targetLanguage),
    },
    h("span", { class: "canned-title" }, pick(item.title)),
    h("span", { class: "canned-text", lang: targetLanguage }, item.text[targetLanguage] || "")),
    h("button", {
      type: "button", class: "canned-other", lang: other,
      "aria-label": t("canned_insert", { title: pick(item.title), language: languageLabel(other) }),
      onclick: () => onInsert(item, other),
    }, other.toUpperCase()))));
  return matches;
}

export function renderServices(select, services, selected) {
  const sorted = [...services].sort((a, b) => pick(a.name).localeCompare(pick(b.name), language()));
  select.replaceChildren(h("option", { value: "" }, t("choose_service")),
    ...sorted.map((s) => h("option", { value: s.service_code }, pick(s.name))));
  select.value = sorted.some((s) => s.service_code === selected) ? selected : "";
}

/** Inputs for the service's extra details (Open311 attributes), required ones marked. */
export function renderAttributes(container, service, disabled) {
  const attributes = service ? [...(service.attributes || [])].sort((a, b) => a.order - b.order) : [];
  container.replaceChildren(...attributes.map((attribute) => {
    const id = `file-attribute-${attribute.code}`;
    const label = `${pick(attribute.description)}${attribute.required ? " *" : ""}`;
    const common = { id, disabled, dataset: { attribute: attribute.code, datatype: attribute.datatype },
      required: attribute.required, "aria-required": attribute.required ? "true" : undefined };
    if (attribute.datatype === "multivaluelist") {
      return h("fieldset", { class: "attribute", ...common },
        h("legend", {}, label),
        ...attribute.values.map((value) => h("label", { class: "inline" },
          h("input", { type: "checkbox", value: value.key, disabled }), " ", pick(value.name))));
    }
    let input;
    if (attribute.datatype === "singlevaluelist") {
      input = h("select", common, h("option", { value: "" }, "—"),
        ...attribute.values.map((value) => h("option", { value: value.key }, pick(value.name))));
    } else if (attribute.datatype === "number") {
      input = h("input", { type: "number", step: "any", ...common });
    } else if (attribute.datatype === "datetime") {
      input = h("input", { type: "date", ...common });
    } else if (attribute.datatype === "text") {
      input = h("textarea", { rows: 2, ...common });
    } else {
      input = h("input", { type: "text", ...common });
    }
    return h("div", { class: "stack attribute" }, h("label", { for: id }, label), input);
  }));
}

/** The attribute values filled in the form, as the protocol's `attributes` object. */
export function attributeValues(container) {
  const values = {};
  for (const el of container.querySelectorAll("[data-attribute]")) {
    const code = el.dataset.attribute;
    if (el.tagName === "FIELDSET") {
      const checked = [...el.querySelectorAll("input:checked")].map((box) => box.value);
      if (checked.length) values[code] = checked;
    } else if (el.value.trim()) {
      values[code] = el.value.trim();
    }
  }
  return values;
}

export function show(id, visible) {
  $(id).hidden = !visible;
}
