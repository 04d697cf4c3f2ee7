// The city's brand colour, with text colours that keep WCAG AA contrast whatever it is.

export const DEFAULT_PRIMARY = "#0b5394";
const DARK = "#1f1f1f";
const WHITE = "#ffffff";

/** [r, g, b] of "#rgb" or "#rrggbb", or null. */
export function parseHex(value) {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
  if (!match) return null;
  const hex = match[1].length === 3 ? match[1].replace(/./g, "$&$&") : match[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function luminance([r, g, b]) {
  const [R, G, B] = [r, g, b].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
}

/** WCAG contrast ratio of two [r, g, b] colours. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * CSS custom properties for `primary`: the fill, the text on it (white or near-black, whichever
 * contrasts more) and the colour used for text and borders on white (the primary itself when it
 * reaches 4.5:1 on white, near-black otherwise).
 */
export function theme(primary) {
  const rgb = parseHex(primary) || parseHex(DEFAULT_PRIMARY);
  const fill = `rgb(${rgb.join(",")})`;
  const white = parseHex(WHITE);
  const dark = parseHex(DARK);
  return {
    "--primary": fill,
    "--on-primary": contrast(rgb, white) >= contrast(rgb, dark) ? WHITE : DARK,
    "--primary-text": contrast(rgb, white) >= 4.5 ? fill : DARK,
  };
}
