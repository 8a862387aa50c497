// The tenant's videos (newest first, a page at a time) and search across every transcript.

import { api } from "./api.js";
import { $, clear, clock, h, snippetNodes, when } from "./dom.js";
import { report, toast } from "./notify.js";

const PAGE = 20;

export function statusPill(status) {
  return h("span", { class: `pill status-${status}` }, status);
}

export class Library {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.videos = new Map(); // video_id -> summary, in display order
    this.cursor = null;
    this.selected = null;
    $("#video-more").addEventListener("click", () => this.more().catch(report));
    $("#video-refresh").addEventListener("click", () => this.refresh().catch(report));
    $("#library-search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.search($("#library-search").value.trim());
    });
    $("#library-search").addEventListener("input", (event) => {
      if (!event.target.value.trim()) this.search("");
    });
  }

  /** Reloads the first page, keeping any later pages already shown. */
  async refresh() {
    const page = await api(`/v1/videos?limit=${PAGE}`);
    const known = this.videos;
    this.videos = new Map(page.videos.map((v) => [v.video_id, v]));
    for (const [id, v] of known) if (!this.videos.has(id)) this.videos.set(id, v);
    if (known.size <= PAGE) this.cursor = page.has_more ? page.next_cursor : null;
    this.render();
  }

  async more() {
    if (!this.cursor) return;
    const page = await api(`/v1/videos?limit=${PAGE}&cursor=${encodeURIComponent(this.cursor)}`);
    for (const v of page.videos) this.videos.set(v.video_id, v);
    this.cursor = page.has_more ? page.next_cursor : null;
    this.render();
  }

  /** A video's newer state (from the open video): its row follows without a reload. */
  update(video) {
    const known = this.videos.get(video.video_id);
    if (!known) {
      this.refresh().catch(report);
      return;
    }
    if (known.status === video.status && known.duration === video.duration) return;
    this.videos.set(video.video_id, { ...known, status: video.status, duration: video.duration });
    this.render();
  }

  select(videoId) {
    this.selected = videoId;
    for (const item of document.querySelectorAll("#video-list .video-item")) {
      item.classList.toggle("active", item.dataset.videoId === videoId);
    }
  }

  render() {
    const list = clear($("#video-list"));
    for (const v of this.videos.values()) {
      const meta = [v.duration != null ? clock(v.duration) : null, when(v.created_at)].filter(Boolean).join(" · ");
      list.append(h("li", {},
        h("button", {
          type: "button", class: `video-item${v.video_id === this.selected ? " active" : ""}`,
          dataset: { videoId: v.video_id }, title: v.filename, onclick: () => this.onOpen(v.video_id),
        },
        h("span", { class: "video-name" }, v.filename),
        h("span", { class: "video-meta" }, statusPill(v.status), h("span", { class: "muted small" }, meta)))));
    }
    $("#video-empty").hidden = this.videos.size > 0;
    $("#video-more").hidden = !this.cursor;
  }

  async search(query) {
    const box = $("#search-results");
    if (!query) {
      box.hidden = true;
      clear(box);
      return;
    }
    clear(box).hidden = false;
    box.append(h("p", { class: "muted small" }, "Searching…"));
    let body;
    try {
      body = await api(`/v1/search?q=${encodeURIComponent(query)}`);
    } catch (error) {
      clear(box);
      if (error.status === 404) {
        box.append(h("p", { class: "muted small" }, "Search across videos isn't available on this server yet."));
      } else if (error.status === 401) {
        report(error);
      } else {
        box.append(h("p", { class: "form-error" }, error.message));
      }
      return;
    }
    clear(box);
    const hits = body.hits || [];
    box.append(h("div", { class: "search-head" },
      h("span", { class: "small" }, hits.length ? `${hits.length} match${hits.length === 1 ? "" : "es"}` : "No matches"),
      h("button", {
        type: "button", class: "btn ghost small", onclick: () => {
          $("#library-search").value = "";
          this.search("");
        },
      }, "Clear")));
    for (const hit of hits) {
      box.append(h("div", { class: "search-hit-row" },
        h("button", {
          type: "button", class: "search-hit", dataset: { videoId: hit.video_id, start: hit.start },
          onclick: () => this.onOpen(hit.video_id, Number(hit.start)),
        },
        h("span", { class: "search-hit-head" },
          h("span", { class: "video-name" }, hit.filename || hit.video_id),
          h("span", { class: "muted small mono" }, clock(hit.start))),
        h("span", { class: "snippet" }, hit.snippet != null ? snippetNodes(hit.snippet) : String(hit.text ?? ""))),
        h("button", {
          type: "button", class: "btn ghost small clip-hit", title: "Make a clip of this sentence",
          onclick: (event) => this.clipHit(hit, event.currentTarget),
        }, "Clip it")));
    }
  }

  /** A search hit becomes a clip: its sentence, rendered through the normal render path. */
  async clipHit(hit, button) {
    button.disabled = true;
    try {
      const made = await api("/v1/clips", {
        method: "POST", json: { video_id: hit.video_id, start: hit.segment_start ?? hit.start, end: hit.segment_end ?? hit.end },
      });
      button.textContent = made.status === "rendered" ? "Already a clip" : "Clip queued";
      toast(made.status === "rendered" ? "That clip exists already: open the video to watch it."
        : `Rendering a ${Math.round(made.duration)} s clip; it joins the video's clips when it is ready.`,
      { kind: "info", seconds: 6 });
    } catch (error) {
      button.disabled = false;
      report(error);
    }
  }
}
