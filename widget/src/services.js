// The gateway's HTTP side: agent availability and photo uploads.

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

/**
 * GET the live-chat status {agents_available, open_now, hours: {fr, en}}.
 * Resolves null when the endpoint is missing, slow or malformed: the agent option stays hidden.
 */
export async function fetchAgentStatus(url) {
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller && setTimeout(() => controller.abort(), 5000);
  try {
    const response = await fetch(url, {
      credentials: "omit",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    });
    if (!response.ok) return null;
    const body = await response.json();
    return body && typeof body === "object" ? body : null;
  } catch (_error) {
    return null;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Why a photo cannot be sent ("type" or "size"), or null when it can. */
export function checkPhoto(file, maxBytes) {
  if (!file || !PHOTO_TYPES.includes(file.type)) return "type";
  if (file.size > maxBytes) return "size";
  return null;
}

/**
 * POST the photo as multipart (fields session_id, file) with upload progress.
 * Returns {promise, abort}; the promise resolves with the absolute URL of the stored photo.
 */
export function uploadPhoto(url, sessionId, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open("POST", url);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300 && body && typeof body.url === "string") {
        try {
          resolve(new URL(body.url, url).href);
        } catch (error) {
          reject(error);
        }
      } else {
        reject(Object.assign(new Error("upload refused"), { status: xhr.status, body }));
      }
    });
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { aborted: true })));
    const form = new FormData();
    form.append("session_id", sessionId);
    form.append("file", file, file.name || "photo");
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** POST a satisfaction rating to the gateway's survey URL; rejects unless 2xx. */
export async function postSurvey(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`survey refused: ${response.status}`);
}
