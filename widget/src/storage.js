// localStorage under one prefix per gateway; falls back to memory when storage is refused
// (private browsing, blocked cookies) so the chat still works for the page's lifetime.

export class Store {
  constructor(namespace) {
    this.prefix = `city311:${namespace}:`;
    this.memory = new Map();
  }

  get(key) {
    try {
      const value = window.localStorage.getItem(this.prefix + key);
      return value === null ? (this.memory.has(key) ? this.memory.get(key) : null) : value;
    } catch (_error) {
      return this.memory.has(key) ? this.memory.get(key) : null;
    }
  }

  set(key, value) {
    this.memory.set(key, value);
    try {
      window.localStorage.setItem(this.prefix + key, value);
    } catch (_error) {
      // Memory copy above is enough for this page.
    }
  }

  remove(key) {
    this.memory.delete(key);
    try {
      window.localStorage.removeItem(this.prefix + key);
    } catch (_error) {
      // Nothing stored.
    }
  }

  getJSON(key, fallback) {
    try {
      const raw = this.get(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (_error) {
      return fallback;
    }
  }

  setJSON(key, value) {
    this.set(key, JSON.stringify(value));
  }
}

/** A random id for a client message (dedupe key across resends). */
export function randomId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID().replace(/-/g, "");
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
