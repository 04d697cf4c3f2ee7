// Styles of the shadow root: nothing leaks into the host page, nothing from it leaks in.
// Default colours keep text at 4.5:1 or more; --primary comes from data-primary-color and
// --on-primary is chosen (white or near-black) for contrast with it.

export const CSS = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --text: #1f1f1f; --muted: #595959; --surface: #ffffff; --bubble: #eef0f2; --border: #8a8f94;
  --link: #0a4a8f; --error-bg: #fdecea; --error: #8f1a1a; --warn-bg: #fff4ce; --warn: #5c3c00;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--text);
  position: fixed; z-index: 2147483000; bottom: 16px; right: 16px;
}
.root.left { right: auto; left: 16px; }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
button, input, textarea, select { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; box-shadow: 0 0 0 2px #000; }
a { color: var(--link); text-decoration: underline; }

.launcher {
  display: inline-flex; align-items: center; gap: 8px; min-height: 52px; padding: 10px 18px;
  border: 2px solid transparent; border-radius: 26px; background: var(--primary);
  color: var(--on-primary); font-weight: 600; box-shadow: 0 4px 14px rgba(0,0,0,.25);
}
.launcher:hover { filter: brightness(.92); }
.launcher svg, .icon-button svg { width: 22px; height: 22px; fill: currentColor; flex: none; }
.badge {
  min-width: 22px; padding: 0 6px; border-radius: 11px; background: #ffffff; color: #1f1f1f;
  font-size: 14px; text-align: center;
}

.dialog {
  position: fixed; bottom: 84px; right: 16px; width: 390px; max-width: calc(100vw - 32px);
  height: 620px; max-height: calc(100vh - 100px); display: flex; flex-direction: column;
  background: var(--surface); border: 1px solid var(--border); border-radius: 12px;
  box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden;
  animation: rise .18s ease-out;
}
.root.left .dialog { right: auto; left: 16px; }
@keyframes rise { from { opacity: 0; transform: translateY(12px); } to { opacity: 1; transform: none; } }

.header {
  display: flex; align-items: center; gap: 6px; padding: 10px 10px 10px 16px;
  background: var(--primary); color: var(--on-primary);
}
.heading { flex: 1; min-width: 0; }
.heading h2 { margin: 0; font-size: 18px; line-height: 1.2; }
.heading p { margin: 2px 0 0; font-size: 14px; }
.header button {
  min-width: 44px; min-height: 44px; padding: 4px 7px; font-size: 15px; border-radius: 8px;
  border: 2px solid currentColor; background: transparent; color: inherit; font-weight: 600;
}
.header button.icon-button { border-color: transparent; display: inline-flex; align-items: center; justify-content: center; }
.header button:hover { background: rgba(127,127,127,.25); }

.banner { margin: 0; padding: 8px 16px; background: var(--warn-bg); color: var(--warn); font-size: 15px; border-bottom: 1px solid #c9a227; }
.banner:empty { display: none; }

.log { flex: 1; overflow-y: auto; padding: 12px 12px 4px; display: flex; flex-direction: column; gap: 10px; }
.intro { margin: 0; padding: 10px 12px; border-radius: 10px; background: var(--bubble); }
.msg { display: flex; flex-direction: column; max-width: 85%; }
.msg .who { font-size: 13px; color: var(--muted); margin-bottom: 2px; }
.bubble {
  padding: 9px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word;
}
.msg.bot, .msg.agent { align-self: flex-start; }
.msg.bot .bubble, .msg.agent .bubble { background: var(--bubble); border-bottom-left-radius: 4px; }
.msg.agent .bubble { border-left: 4px solid var(--primary); }
.msg.citizen { align-self: flex-end; align-items: flex-end; }
.msg.citizen .bubble { background: var(--primary); color: var(--on-primary); border-bottom-right-radius: 4px; }
.msg.citizen .bubble a { color: inherit; }
.msg .meta { font-size: 13px; color: var(--muted); margin-top: 2px; }
.msg .state { font-weight: 600; }
.msg.failed .state { color: var(--error); }
.msg img { display: block; max-width: 100%; max-height: 240px; margin-top: 6px; border-radius: 8px; }
.note { align-self: center; max-width: 92%; text-align: center; font-size: 15px; color: var(--muted); font-style: italic; }
.note.error { font-style: normal; color: var(--error); background: var(--error-bg); padding: 6px 10px; border-radius: 8px; }
.replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.replies button, .actions button, .ending button, .upload button {
  min-height: 44px; padding: 6px 12px; border-radius: 22px; border: 2px solid var(--primary-text);
  background: var(--surface); color: var(--primary-text); font-weight: 600;
}
.replies button:hover, .actions button:hover, .ending button:hover { background: var(--bubble); }

.typing { padding: 0 16px; min-height: 22px; font-size: 14px; color: var(--muted); }
.dots span { display: inline-block; width: 6px; height: 6px; margin-right: 3px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite; }
.dots span:nth-child(2) { animation-delay: .2s; }
.dots span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }

.upload { display: flex; align-items: center; gap: 8px; padding: 6px 16px; font-size: 14px; }
.upload progress { flex: 1; height: 12px; accent-color: var(--primary-text); }
.status { padding: 0 16px; font-size: 14px; color: var(--muted); }
.status:empty { display: none; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; padding: 6px 12px; border-top: 1px solid #d0d4d8; }
.actions button { min-height: 40px; padding: 4px 12px 4px 8px; font-size: 14px; display: inline-flex; align-items: center; gap: 6px; }
.actions svg { width: 18px; height: 18px; fill: currentColor; flex: none; }
.hours { align-self: center; font-size: 13px; color: var(--muted); }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 8px 12px 12px; }
.composer textarea {
  flex: 1; min-height: 44px; max-height: 120px; resize: none; padding: 10px 12px;
  border: 2px solid var(--border); border-radius: 10px; background: var(--surface);
}
.send {
  min-width: 48px; min-height: 44px; border: 0; border-radius: 10px; background: var(--primary);
  color: var(--on-primary); display: inline-flex; align-items: center; justify-content: center; font-weight: 600; padding: 0 12px;
}
.send svg { width: 20px; height: 20px; fill: currentColor; }

.ending { padding: 12px 16px 16px; border-top: 1px solid #d0d4d8; overflow-y: auto; max-height: 62%; }
.ending h3 { margin: 0 0 8px; font-size: 17px; }
.ending fieldset { border: 1px solid var(--border); border-radius: 8px; margin: 0 0 8px; padding: 8px 12px; }
.ending legend { padding: 0 4px; font-weight: 600; font-size: 15px; }
.ending label { display: flex; align-items: center; gap: 8px; min-height: 34px; font-size: 15px; }
.ending input[type=radio] { width: 20px; height: 20px; margin: 0; accent-color: var(--primary-text); }
.ending .row { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.ending p { margin: 4px 0; font-size: 15px; }

@media (max-width: 480px) {
  .root { bottom: 12px; right: 12px; }
  .dialog { inset: 0; width: 100vw; max-width: none; height: 100%; max-height: none; border-radius: 0; border: 0; }
  .root.left .dialog { left: 0; }
  .root.open .launcher { display: none; }
  .msg { max-width: 92%; }
  .heading p { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; }
}
@media (forced-colors: active) {
  .bubble, .launcher, .send, .note.error { border: 1px solid CanvasText; }
}
`;
