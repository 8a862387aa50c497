// Small SVG charts drawn by hand (no library): a bar chart over days and paired bars for stage
// latencies. Sizes are in viewBox units; CSS scales the SVG to its box. Colours come from CSS classes.

import { h, s } from "./dom.js";

const W = 440;
const H = 200;
const M = { top: 14, right: 12, bottom: 30, left: 46 };

const TICKS = 4;

/**
 * The axis top: TICKS round steps (1, 2, 2.5 or 5 times a power of ten) that reach `value`; with
 * `integer` (counts) every step is a whole number.
 */
export function niceMax(value, { integer = false } = {}) {
  if (!(value > 0)) return TICKS;
  const raw = value / TICKS;
  const power = integer ? Math.max(1, 10 ** Math.floor(Math.log10(raw))) : 10 ** Math.floor(Math.log10(raw));
  const factors = integer && power === 1 ? [1, 2, 3, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = factors.map((f) => f * power).find((candidate) => candidate >= raw - 1e-12);
  return step * TICKS;
}

function compact(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function figure(title, subtitle, svg) {
  return h("figure", { class: "card chart" },
    h("figcaption", {}, h("span", { class: "chart-title" }, title), subtitle ? h("span", { class: "muted small" }, subtitle) : null),
    svg);
}

/** Bars for points [{label, value}] (e.g. one per day). */
export function barChart({ title, subtitle, points, format = compact, kind = "primary", integer = false }) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart-svg" });
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const top = niceMax(Math.max(0, ...points.map((p) => Number(p.value) || 0)), { integer });
  for (let i = 0; i <= TICKS; i += 1) {
    const y = M.top + plotH - (plotH * i) / TICKS;
    svg.append(s("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, class: "grid" }),
      s("text", { x: M.left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, format((top * i) / TICKS)));
  }
  if (!points.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, class: "axis", "text-anchor": "middle" }, "No data yet"));
    return figure(title, subtitle, svg);
  }
  const band = plotW / points.length;
  const barW = Math.max(2, Math.min(36, band * 0.7));
  const labelEvery = Math.ceil(points.length / 8);
  points.forEach((p, i) => {
    const value = Number(p.value) || 0;
    const barH = (plotH * value) / top;
    const x = M.left + band * i + (band - barW) / 2;
    svg.append(s("rect", { x, y: M.top + plotH - barH, width: barW, height: Math.max(0, barH), rx: 2, class: `chart-bar ${kind}` },
      s("title", {}, `${p.label}: ${format(value)}`)));
    if (i % labelEvery === 0) {
      svg.append(s("text", { x: x + barW / 2, y: H - 10, class: "axis", "text-anchor": "middle" }, p.short ?? p.label));
    }
  });
  svg.append(s("line", { x1: M.left, x2: W - M.right, y1: M.top + plotH, y2: M.top + plotH, class: "baseline" }));
  return figure(title, subtitle, svg);
}

/** Paired horizontal bars, p50 and p95, per row [{label, p50, p95, count}], in seconds. */
export function latencyChart({ title, subtitle, rows }) {
  const rowH = 34;
  const left = 120;
  const right = 64;
  const height = M.top + rows.length * rowH + 26;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": title, class: "chart-svg" });
  const top = niceMax(Math.max(0, ...rows.map((r) => Number(r.p95) || 0), ...rows.map((r) => Number(r.p50) || 0)));
  const plotW = W - left - right;
  for (let i = 0; i <= TICKS; i += 1) {
    const x = left + (plotW * i) / TICKS;
    svg.append(s("line", { x1: x, x2: x, y1: M.top - 4, y2: height - 24, class: "grid" }),
      s("text", { x, y: height - 8, class: "axis", "text-anchor": "middle" }, `${compact((top * i) / TICKS)} s`));
  }
  rows.forEach((r, i) => {
    const y = M.top + i * rowH;
    const p50 = Number(r.p50) || 0;
    const p95 = Number(r.p95) || 0;
    svg.append(
      s("text", { x: left - 10, y: y + 20, class: "label", "text-anchor": "end" }, r.label),
      s("rect", { x: left, y: y + 4, width: (plotW * p95) / top, height: 22, rx: 3, class: "chart-bar secondary" },
        s("title", {}, `${r.label} p95: ${p95.toFixed(1)} s`)),
      s("rect", { x: left, y: y + 4, width: (plotW * p50) / top, height: 22, rx: 3, class: "chart-bar primary" },
        s("title", {}, `${r.label} p50: ${p50.toFixed(1)} s`)),
      s("text", { x: W - right + 8, y: y + 20, class: "axis" }, r.count != null ? `${r.count} runs` : ""),
    );
  });
  const legend = h("div", { class: "legend small" },
    h("span", { class: "key primary" }), "median (p50)", h("span", { class: "key secondary" }), "p95");
  const fig = figure(title, subtitle, svg);
  fig.append(legend);
  return fig;
}
