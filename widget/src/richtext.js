// Message text to DOM nodes: text nodes only, links made clickable when their URL is safe.
// Never innerHTML: any HTML in a message is shown as typed.

// [label](url), a bare http(s) URL, a www. address, or an e-mail address.
const TOKEN =
  /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]+|www\.[^\s<>"]+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

/** A safe absolute http(s) URL string for `raw`, or null. */
export function safeUrl(raw, base) {
  try {
    const url = new URL(raw, base || undefined);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_error) {
    return null;
  }
}

/** Split `text` into [{text}] and [{text, href}] segments. */
export function segments(text) {
  const out = [];
  const source = String(text == null ? "" : text);
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(source); match; match = TOKEN.exec(source)) {
    let whole = match[0];
    let href = null;
    let label = whole;
    if (match[1]) {
      href = safeUrl(match[2]);
      label = match[1];
    } else if (match[3]) {
      const trailing = whole.match(TRAILING);
      if (trailing) whole = whole.slice(0, -trailing[0].length);
      label = whole;
      href = safeUrl(whole.startsWith("www.") ? `https://${whole}` : whole);
    } else if (match[4]) {
      href = `mailto:${whole}`;
    }
    if (!href) continue;
    if (match.index > last) out.push({ text: source.slice(last, match.index) });
    out.push({ text: label, href });
    last = match.index + whole.length;
    TOKEN.lastIndex = last;
  }
  if (last < source.length) out.push({ text: source.slice(last) });
  return out;
}

/** A DocumentFragment of `text` with clickable links (`newWindow` is read by screen readers). */
export function renderText(doc, text, newWindow) {
  const fragment = doc.createDocumentFragment();
  for (const part of segments(text)) {
    if (!part.href) {
      fragment.appendChild(doc.createTextNode(part.text));
      continue;
    }
    const link = doc.createElement("a");
    link.href = part.href;
    link.textContent = part.text;
    if (!part.href.startsWith("mailto:")) {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      const hint = doc.createElement("span");
      hint.className = "sr-only";
      hint.textContent = ` ${newWindow}`;
      link.appendChild(hint);
    }
    fragment.appendChild(link);
  }
  return fragment;
}
