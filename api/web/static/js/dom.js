// Building DOM from data without markup: every string from the API becomes a text node or an
// attribute value, never HTML. The one exception, search snippets, is rebuilt node by node.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An element: h("a", {class: "x", href, onclick}, "text", child, ...). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "href" || key === "src" || key === "poster") el.setAttribute(key, safeUrl(value));
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** An SVG element: s("rect", {x: 1, y: 2}). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Replaces an element's children as h() takes them: null and false are left out (the DOM's own
 * append would write them as the text "null" and "false"). */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** Only same-origin paths, http(s) and blob: URLs; anything else (javascript:, data:) is dropped. */
export function safeUrl(value) {
  const url = String(value ?? "");
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  if (/^(https?:|blob:)/i.test(url)) return url;
  return "about:blank";
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * A search snippet as nodes. The API escapes the text and wraps matches in <mark>; only <mark> and
 * </mark> are honoured, every other character is text (an unescaped "<script>" shows as text).
 */
export function snippetNodes(snippet) {
  const out = document.createDocumentFragment();
  let target = out;
  for (const part of String(snippet ?? "").split(/(<\/?mark>)/i)) {
    if (/^<mark>$/i.test(part)) {
      if (target === out) { target = document.createElement("mark"); out.append(target); }
    } else if (/^<\/mark>$/i.test(part)) {
      target = out;
    } else if (part) {
      target.append(document.createTextNode(decodeEntities(part)));
    }
  }
  return out;
}

/** "1:05.3" (or "1:02:05") for seconds. */
export function clock(seconds, { tenths = false } = {}) {
  if (seconds == null || !Number.isFinite(Number(seconds))) return "–";
  const total = Math.max(0, Number(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const secText = tenths ? sec.toFixed(1).padStart(4, "0") : String(Math.floor(sec)).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${secText}` : `${m}:${secText}`;
}

export function duration(seconds) {
  if (seconds == null) return "";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n) {
  if (n == null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  let value = n;
  while (value >= 1000 && i < units.length - 1) { value /= 1000; i += 1; }
  return `${value.toFixed(value < 10 && i ? 1 : 0)} ${units[i]}`;
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const seconds = (Date.now() - date.getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** Calls fn at most once per `ms`, always with a trailing call after the last request. */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return (...args) => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => { timer = null; last = Date.now(); fn(...args); }, wait);
  };
}

/** Scrolls `el`'s top to just under the sticky top bar, unless it is already in the upper half
 * of the screen: on a phone's one-column page a video opened from the library, or just
 * uploaded, shows far below the list that was tapped. */
export function bringToTop(el) {
  const bar = $(".topbar").getBoundingClientRect().bottom;
  const top = el.getBoundingClientRect().top;
  if (top >= bar && top <= innerHeight / 2) return;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  window.scrollTo({ top: scrollY + top - bar - 12, behavior: still ? "auto" : "smooth" });
}
