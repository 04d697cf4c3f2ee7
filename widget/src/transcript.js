// The transcript the citizen can keep: plain text built in the browser from what is shown.

import { pick, t } from "./i18n.js";

export function locale(lang) {
  return lang === "en" ? "en-CA" : "fr-CA";
}

export function clock(time, lang) {
  return new Date(time).toLocaleTimeString(locale(lang), { hour: "2-digit", minute: "2-digit" });
}

function speaker(entry, lang) {
  if (entry.kind === "citizen") return t(lang, "you");
  if (entry.kind === "agent") return entry.name ? `${t(lang, "agent")} (${entry.name})` : t(lang, "agent");
  if (entry.kind === "bot") return t(lang, "bot");
  return t(lang, "system");
}

/** The conversation as text: a title, the date, then one "[hh:mm] Who: text" block a message. */
export function transcriptText(entries, lang, now = Date.now()) {
  // French typography puts a space before the colon.
  const colon = lang === "fr" ? " :" : ":";
  const lines = [
    t(lang, "transcriptTitle"),
    new Date(now).toLocaleString(locale(lang), { dateStyle: "long", timeStyle: "short" }),
    "",
  ];
  for (const entry of entries) {
    if (entry.kind === "error") continue;
    const parts = [];
    const text = entry.kind === "system" ? pick(lang, entry) : entry.text;
    if (text) parts.push(text);
    if (entry.image) parts.push(entry.image);
    if (entry.quickReplies && entry.quickReplies.length) {
      parts.push(`[${entry.quickReplies.map((reply) => reply.title).join(" | ")}]`);
    }
    lines.push(`[${clock(entry.time, lang)}] ${speaker(entry, lang)}${colon} ${parts.join("\n    ")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The file name, e.g. transcription-311-2025-11-29.txt. */
export function transcriptName(lang, now = Date.now()) {
  const day = new Date(now);
  const pad = (n) => String(n).padStart(2, "0");
  return `${t(lang, "transcriptFile")}-${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}.txt`;
}

/** Offer `text` as a download named `name` (an <a download> clicked inside `parent`). */
export function download(parent, name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  parent.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
