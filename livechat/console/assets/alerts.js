// New-chat alerts: a short WebAudio beep (no audio file) and a browser Notification.
// Browsers only allow audio and the permission prompt after a user gesture, hence prime().

let audio = null;
let soundOn = true;

try {
  soundOn = localStorage.getItem("console_sound") !== "off";
} catch {
  // Storage disabled: sound stays on.
}

/** Create/resume the AudioContext; call from a click or key press. */
export function prime() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

export function soundEnabled() {
  return soundOn;
}

export function setSound(on) {
  soundOn = on;
  try {
    localStorage.setItem("console_sound", on ? "on" : "off");
  } catch {
    // Not persisted.
  }
}

/** Two short tones (about 0.3 s). */
export function beep() {
  if (!soundOn || !audio) return;
  const start = audio.currentTime + 0.01;
  for (const [offset, frequency] of [[0, 880], [0.16, 1175]]) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.15);
  }
}

export function notificationsSupported() {
  return "Notification" in window;
}

export function notificationPermission() {
  return notificationsSupported() ? Notification.permission : "denied";
}

/** Ask for permission (must run inside a user gesture). Resolves to the permission. */
export async function requestNotifications() {
  if (!notificationsSupported()) return "denied";
  if (Notification.permission !== "default") return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** Show a notification when allowed; clicking it focuses the console and calls onClick. */
export function notify(title, body, tag, onClick) {
  if (notificationPermission() !== "granted") return;
  try {
    const notification = new Notification(title, { body, tag, lang: document.documentElement.lang });
    notification.onclick = () => {
      window.focus();
      if (onClick) onClick();
      notification.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; the beep still played.
  }
}
