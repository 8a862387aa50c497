// The tenant's usage: totals, videos / minutes / clips per day and how long each stage takes.

import { api } from "./api.js";
import { $, bytes, clear, h, when } from "./dom.js";
import { report } from "./notify.js";
import { barChart, latencyChart } from "./charts.js";
import { STAGES } from "./video.js";

function tile(label, value, note) {
  return h("div", { class: "card tile" },
    h("span", { class: "tile-label" }, label),
    h("span", { class: "tile-value" }, value),
    note ? h("span", { class: "muted small" }, note) : null);
}

function number(value, digits = 0) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: digits }) : "–";
}

function shortDay(day) {
  const date = new Date(`${String(day).slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? String(day) : date.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

export class Analytics {
  constructor() {
    $("#analytics-refresh").addEventListener("click", () => this.load());
  }

  async load() {
    const note = $("#analytics-note");
    let data;
    try {
      data = await api("/v1/analytics");
    } catch (error) {
      clear($("#stat-tiles"));
      clear($("#charts"));
      if (error.status === 401) {
        report(error);
        return;
      }
      note.textContent = error.status === 404 ? "Analytics aren't available on this server yet." : error.message;
      note.classList.toggle("error", error.status !== 404);
      note.hidden = false;
      return;
    }
    note.hidden = true;
    this.render(data);
    // This month against the workspace's plan (the billing ledger: counted once each).
    const usage = await api("/v1/usage").catch(() => null);
    if (usage) $("#stat-tiles").prepend(this.planTile(usage), this.storageTile(usage));
    // Admins of a server that bills through Stripe subscribe on Stripe's Checkout page.
    const billing = await api("/v1/billing").catch(() => null);
    const status = billing?.customer?.subscription?.status;
    if (billing?.enabled && !["active", "trialing"].includes(status)) {
      const button = h("button", { type: "button", class: "btn primary small", id: "subscribe" }, "Subscribe");
      button.addEventListener("click", async () => {
        try {
          const checkout = await api("/v1/billing/checkout", { method: "POST" });
          location.assign(checkout.checkout_url);
        } catch (error) {
          report(error);
        }
      });
      $("#usage-tile")?.append(button);
    }
  }

  planTile(usage) {
    const limit = usage.plan.source_minutes_per_month;
    const used = Number(usage.used.source_minutes) + Number(usage.in_flight.source_minutes);
    const value = limit === null ? `${number(used, 1)} min` : `${number(used, 1)} of ${number(limit)} min`;
    const resets = new Date(usage.period.end).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
    const note = limit === null
      ? `${usage.plan.name} plan: no monthly limit`
      : `${number(usage.left.source_minutes, 1)} min left · resets ${resets}`;
    const card = tile("This month", value, note);
    card.id = "usage-tile";
    return card;
  }

  // What the workspace's files held when the worker last measured them (it measures every hour).
  storageTile(usage) {
    const { storage, plan } = usage;
    const measured = storage.measured_at !== null;
    const held = measured ? bytes(storage.bytes) : "–";
    const value = plan.storage_gb === null || !measured ? held : `${held} of ${number(plan.storage_gb, 1)} GB`;
    const card = tile("Storage", value, measured ? `measured ${when(storage.measured_at)}` : "not measured yet");
    card.id = "storage-tile";
    return card;
  }

  render(data) {
    const videos = Number(data.videos) || 0;
    const finished = (Number(data.completed) || 0) + (Number(data.failed) || 0);
    const rate = finished ? `${Math.round(((Number(data.completed) || 0) / finished) * 100)}% succeeded` : null;
    clear($("#stat-tiles")).append(
      tile("Videos", number(videos)),
      tile("Completed", number(data.completed), rate),
      tile("Failed", number(data.failed)),
      tile("Minutes processed", number(data.usage_minutes, 1)),
      tile("Clips", number(data.clips), videos ? `${number((Number(data.clips) || 0) / videos, 1)} per video` : null),
    );
    const daily = (data.daily || []).map((d) => ({ ...d, label: String(d.day).slice(0, 10), short: shortDay(d.day) }));
    const stages = data.stages || {};
    const rows = STAGES.filter(([name]) => stages[name]).map(([name, label]) => ({
      label, p50: stages[name].p50_seconds, p95: stages[name].p95_seconds, count: stages[name].count,
    }));
    clear($("#charts")).append(
      barChart({ title: "Videos per day", points: daily.map((d) => ({ ...d, value: d.videos })), integer: true }),
      barChart({ title: "Minutes processed per day", points: daily.map((d) => ({ ...d, value: d.minutes })), kind: "secondary" }),
      barChart({ title: "Clips per day", points: daily.map((d) => ({ ...d, value: d.clips })), kind: "tertiary", integer: true }),
      latencyChart({ title: "Time per stage", subtitle: "seconds, median and 95th percentile", rows }),
    );
  }
}
