// Entry point: one <script src=".../city311-widget.js" data-server=... data-lang=...> tag.

import { normalizeLanguage } from "./i18n.js";
import { Widget } from "./widget.js";

// Only readable while this script first runs.
const SCRIPT =
  document.currentScript || document.querySelector('script[src*="city311-widget"]');

/** The widget's settings from the script tag's data-* attributes. */
export function readConfig(script, doc = document) {
  const data = (script && script.dataset) || {};
  let origin = window.location.origin;
  try {
    if (script && script.src) origin = new URL(script.src, window.location.href).origin;
  } catch (_error) {
    // Keep the page's origin.
  }
  const number = (value, fallback) => (Number(value) > 0 ? Number(value) : fallback);
  return {
    server: String(data.server || origin).replace(/\/+$/, ""),
    lang: normalizeLanguage(data.lang) || normalizeLanguage(doc.documentElement.lang) || "fr",
    primaryColor: data.primaryColor,
    position: data.position === "left" ? "left" : "right",
    titles: { fr: data.titleFr, en: data.titleEn },
    socketPath: data.socketPath || "/socket.io",
    uploadPath: data.uploadPath || "/api/v1/uploads",
    statusPath: data.statusPath || "/api/v1/livechat/status",
    statusInterval: number(data.statusInterval, 60),
    maxPhotoMb: number(data.maxPhotoMb, 5),
    maxLength: number(data.maxLength, 2000),
    open: data.open === "true",
  };
}

function start() {
  if (window.City311Widget) return; // the tag was included twice
  const widget = new Widget(readConfig(SCRIPT));
  window.City311Widget = {
    open: () => widget.open(),
    close: () => widget.close(),
    widget,
  };
  widget.mount();
}

if (document.body) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
