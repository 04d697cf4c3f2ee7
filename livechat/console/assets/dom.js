// Small DOM and formatting helpers. Text always goes through textContent, never parsed as HTML.

import { locale, t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

/** h("li", {class: "x", "aria-label": "y", onclick: fn}, child, "text", ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";
const ICON_PATHS = {
  // A screen (web chat) and a phone (SMS), drawn with strokes so they inherit currentColor.
  web: ["M3 5h18v11H3z", "M8 20h8", "M12 16v4"],
  sms: ["M7 2h10v20H7z", "M11 18h2"],
};

/** A decorative channel icon (the channel's name is always written next to it). */
export function channelIcon(channel) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of ICON_PATHS[channel] || ICON_PATHS.web) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

export function channelLabel(channel) {
  return t(channel === "sms" ? "channel_sms" : "channel_web");
}

export function languageLabel(lang) {
  return lang === "fr" ? t("lang_fr") : lang === "en" ? t("lang_en") : t("lang_unknown");
}

export function reasonLabel(reason) {
  const key = `reason_${reason}`;
  const text = t(key);
  return text === key ? String(reason || "") : text;
}

/** "4 min 05 s", "12 s", "1 h 02 min". */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return t("seconds", { s });
  if (s < 3600) {
    return t("minutes_seconds", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
  }
  return t("hours_minutes", {
    h: Math.floor(s / 3600),
    m: String(Math.floor((s % 3600) / 60)).padStart(2, "0"),
  });
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso || "");
  return date.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

/** Lower-case, accents removed: "Déneigement" matches "deneig". */
export function fold(text) {
  return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

export function isEditable(el) {
  if (!el) return false;
  const tag = el.tagName;
  return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT"
    || (tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type));
}
