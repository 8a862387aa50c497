// The gallery of rendered clips, best first: a player per clip (thumbnail as poster, captions as a
// track), its score, title and reason, the signal breakdown on demand, downloads and re-rendering
// in another caption style or aspect, deleting. Cards are kept across refreshes so a playing clip plays on.

import { api, blobUrl } from "./api.js";
import { $, clear, clock, fill, h, safeUrl } from "./dom.js";
import { report, toast } from "./notify.js";
import { publishForm, showClipStats } from "./publishing.js";

const ASPECTS = ["9:16", "1:1", "4:5", "16:9"];
const SWITCHES = { hook_title: "Hook title", emphasis: "Emphasis", emoji: "Emoji" };
const SIGNAL_NAMES = {
  editorial: "What editors clip", rhetoric: "Quotable line", breaks: "Set off by pauses",
  hook: "Hook", payoff: "Payoff", coherence: "Topic coherence", completeness: "Completeness",
  speech_rate: "Pace", energy: "Energy", fluency: "Fluency", pitch: "Pitch variation", length_fit: "Length fit",
  numbers: "Numbers", faces: "Faces", scene_cuts: "Scene cuts", exchange: "Exchange between voices",
};
const WATCH_MS = 4000;
const WATCH_FOR_MS = 180000;

const label = (name) => SIGNAL_NAMES[name] || String(name).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

function band(score) {
  return score >= 75 ? "high" : score >= 50 ? "mid" : "low";
}

/** What a card shows; when it changes the card is refreshed (a re-render replaced the files). */
function signature(clip) {
  return JSON.stringify([clip.mp4, clip.thumbnail, clip.vtt, clip.rank, clip.score, clip.title, clip.reason,
    clip.width, clip.height, clip.final, clip.superseded, clip.caption_style, clip.rendered_at, clip.updated_at, clip.captions_current,
    (clip.speakers || []).map((s) => s.name)]);
}

// What each signal measures, as the API's own document says (its Signals schema): read once, when
// a breakdown is first drawn, and shown as each name's tooltip. Without it the names stand alone.
let meanings = null;
function signalMeanings() {
  meanings ??= fetch("/openapi.json")
    .then((r) => (r.ok ? r.json() : null))
    .then((doc) => doc?.components?.schemas?.Signals?.properties || {})
    .catch(() => ({}));
  return meanings;
}

function signalList(signals) {
  const entries = Object.entries(signals || {}).filter(([, v]) => typeof v === "number");
  const scale = entries.every(([, v]) => v <= 1) ? 100 : 1;
  entries.sort((a, b) => b[1] - a[1]);
  const list = h("dl", { class: "signal-list" }, entries.map(([name, value]) => {
    const pct = Math.max(0, Math.min(100, value * scale));
    const fill = h("span", { class: "signal-fill" });
    fill.style.width = `${pct}%`;
    return [h("dt", { "data-signal": name }, label(name)), h("dd", {}, h("span", { class: "signal-bar" }, fill), h("span", { class: "mono small" }, Math.round(pct)))];
  }));
  signalMeanings().then((described) => {
    for (const dt of list.querySelectorAll("dt[data-signal]")) {
      const meaning = described[dt.dataset.signal]?.description;
      if (meaning) dt.title = meaning;
    }
  });
  return list;
}

class ClipCard {
  constructor(clip, gallery) {
    this.id = clip.clip_id;
    this.gallery = gallery;
    this.failures = 0;
    this.video = h("video", { class: "clip-video", controls: true, preload: "metadata", playsinline: true });
    this.video.addEventListener("error", () => this.failed());
    this.media = h("div", { class: "clip-media" }, this.video);
    this.body = h("div", { class: "clip-body" });
    this.el = h("article", { class: "clip-card", dataset: { clipId: clip.clip_id } }, this.media, this.body);
    this.update(clip, { media: true });
  }

  update(clip, { media = false } = {}) {
    this.clip = clip;
    this.sig = signature(clip);
    if (clip.width && clip.height) this.media.style.aspectRatio = `${clip.width} / ${clip.height}`;
    if (media || this.video.paused) this.setMedia(clip);
    this.renderBody(clip);
  }

  setMedia(clip) {
    const v = this.video;
    for (const track of v.querySelectorAll("track")) track.remove();
    // The captions are burned into the picture; the VTT track is there for assistive technology
    // and the player's CC menu, so it is not shown by default (it would double the captions).
    if (clip.urls) {
      if (clip.urls.thumbnail) v.poster = safeUrl(clip.urls.thumbnail);
      if (clip.urls.vtt) v.append(h("track", { kind: "captions", label: "Captions", srclang: "en", src: clip.urls.vtt }));
      v.src = safeUrl(clip.urls.mp4);
      return;
    }
    // No signed links from this server: fetch the files with the key into blob: URLs.
    const links = clip.links || {};
    Promise.all([
      links.thumbnail ? blobUrl(links.thumbnail).then((url) => { v.poster = url; }) : null,
      links.vtt ? blobUrl(links.vtt).then((url) => v.append(h("track", { kind: "captions", label: "Captions", srclang: "en", src: url }))) : null,
      links.mp4 ? blobUrl(links.mp4).then((url) => { v.src = url; }) : null,
    ]).catch(report);
  }

  failed() {
    // Most often a signed link that expired while the page stayed open: fetch fresh links, once.
    this.failures += 1;
    if (this.failures <= 1) this.gallery.load(this.gallery.videoId, { refresh: this.id });
    else this.media.classList.add("broken");
  }

  renderBody(clip) {
    const score = Number(clip.score) || 0;
    const length = clip.duration ?? (clip.end - clip.start);
    const urls = clip.urls || {};
    const download = (kind, text) => (urls[kind] ? h("a", { class: "btn ghost small", href: urls[kind], download: "" }, text) : null);
    const signalsOpen = Boolean(this.body.querySelector("details.signals")?.open);
    const form = this.rerenderForm(clip);
    const toggle = h("button", {
      type: "button", class: "btn ghost small rerender-toggle needs-write", onclick: () => {
        form.hidden = !form.hidden;
      },
    }, "Re-render");
    const publish = publishForm(clip);
    const publishToggle = h("button", {
      type: "button", class: "btn ghost small publish-toggle needs-write", onclick: () => {
        publish.hidden = !publish.hidden;
        if (!publish.hidden) publish.load();
      },
    }, "Publish");
    const remove = h("button", {
      type: "button", class: "btn ghost small clip-delete needs-admin", onclick: () => this.remove(),
    }, "Delete");
    const posted = h("p", { class: "clip-posts small", hidden: true, "aria-label": "On the platforms" });
    showClipStats(posted, clip.clip_id);
    fill(this.body,
      h("div", { class: "clip-top" },
        h("span", { class: "rank" }, clip.rank == null ? "–" : `#${clip.rank}`),
        h("span", { class: `score score-${band(score)}`, title: "Score out of 100" }, Math.round(score)),
        clip.superseded ? h("span", { class: "pill", title: "A better moment took its place in the final ranking" }, "superseded")
          : clip.final === false ? h("span", { class: "pill status-running", title: "Ranking may still change" }, "provisional") : null,
        h("span", { class: "clip-tags" },
          clip.caption_style ? h("span", { class: "pill style", title: "Caption style" }, clip.caption_style) : null,
          h("span", { class: "pill aspect", title: "Aspect ratio" }, clip.aspect),
          clip.captions_current === false ? h("span", {
            class: "pill stale-words", title: "A word spoken in this clip was corrected after it was rendered: render it again to show it",
          }, "old words") : null)),
      h("h3", { class: "clip-title" }, clip.title || "Untitled moment"),
      // who speaks in it, by the names given (listed only where the video has several voices)
      clip.speakers?.length ? h("p", { class: "clip-speakers small", title: "Who speaks in this clip" },
        clip.speakers.map((s) => h("span", { class: "speaker", dataset: { speaker: s.speaker } }, s.name))) : null,
      h("p", { class: "muted small mono" }, `${clock(clip.start)}–${clock(clip.end)} · ${Math.round(length)} s`
        + (clip.trimmed_seconds >= 0.5 ? ` (${clip.trimmed_seconds.toFixed(1)} s of pauses and fillers cut)` : "")
        + ` · ${clip.width}×${clip.height}`),
      clip.reason ? h("p", { class: "clip-reason" }, clip.reason) : null,
      posted,
      h("details", { class: "signals", open: signalsOpen }, h("summary", {}, "Signal breakdown"), signalList(clip.signals)),
      h("div", { class: "clip-actions" }, download("mp4", "MP4"), download("srt", "SRT"), download("vtt", "VTT"), download("cover", "Cover art"), toggle, publishToggle, remove),
      editorExports(urls.timeline),
      form,
      publish,
    );
  }

  /** Deletes the clip and its files (a clip a post still needs stays: the API says which post). */
  async remove() {
    if (!confirm(`Delete the clip "${this.clip.title || "Untitled moment"}" (${this.clip.aspect}) and its files? This cannot be undone.`)) return;
    try {
      await api(`/v1/clips/${encodeURIComponent(this.id)}`, { method: "DELETE" });
      toast("Clip deleted.", { kind: "info", seconds: 4 });
    } catch (error) {
      if (error.status !== 404) report(error); // 404: deleted already
    }
    this.gallery.load(this.gallery.videoId);
  }

  rerenderForm(clip) {
    const style = h("select", { name: "caption_style", class: "caption-styles", "aria-label": "Caption style" });
    style.append($("#caption-style-options").content.cloneNode(true));
    if (clip.caption_style) style.value = clip.caption_style;
    const aspect = h("select", { name: "aspect", "aria-label": "Aspect ratio" },
      ASPECTS.map((a) => h("option", { value: a, selected: a === clip.aspect }, a)));
    const trim = h("select", { name: "trim", "aria-label": "Trim inside the clip" },
      [["", "As the video"], ["pauses+fillers", "Pauses and fillers"], ["pauses", "Long pauses only"], ["off", "Off: as spoken"]]
        .map(([value, text]) => h("option", { value }, text)));
    const switches = ["hook_title", "emphasis", "emoji"].map((name) => h("select", { name, "aria-label": SWITCHES[name] },
      [["", "As the video"], ["on", "On"], ["off", "Off"]].map(([value, text]) => h("option", { value }, text))));
    const message = h("p", { class: "small form-message", role: "status" });
    const submit = h("button", { type: "submit", class: "btn primary small" }, "Render");
    const form = h("form", { class: "rerender", hidden: true },
      h("label", { class: "field inline" }, h("span", {}, "Captions"), style),
      h("label", { class: "field inline" }, h("span", {}, "Aspect"), aspect),
      h("label", { class: "field inline" }, h("span", {}, "Trim"), trim),
      ...switches.map((select) => h("label", { class: "field inline" }, h("span", {}, SWITCHES[select.name]), select)),
      submit, message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.className = "small form-message";
      message.textContent = "Queueing…";
      try {
        const body = await api(`/v1/clips/${encodeURIComponent(clip.clip_id)}/renders`, {
          method: "POST", json: {
            caption_style: style.value, aspect: aspect.value, ...(trim.value ? { trim: trim.value } : {}),
            ...Object.fromEntries(switches.filter((s) => s.value).map((s) => [s.name, s.value === "on"])),
          },
        });
        if (body?.status === "rendered") {
          message.textContent = "Already rendered with these settings: it is in the gallery.";
          this.gallery.highlight(body.clip_id);
        } else {
          message.textContent = `Re-render queued (${style.value}, ${aspect.value}). The new clip appears in the gallery when it is ready.`;
          this.gallery.watch(body?.clip_id);
        }
      } catch (error) {
        if (error.status === 401) report(error);
        message.className = "small form-message form-error";
        message.textContent = error.message;
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }
}

// The editor formats of a clip's timeline bundle (zip: the timeline, the source, captions).
const EDITOR_FORMATS = [
  ["fcp7", "Premiere / Resolve", "Final Cut Pro 7 XML: Premiere Pro and DaVinci Resolve import it, reframed (Basic Motion keys)"],
  ["fcpxml", "Final Cut", "FCPXML: Final Cut Pro, reframed (keyframed transform) with a caption track"],
  ["edl", "EDL", "CMX 3600 edit list: cuts and markers, for any editor"],
  ["kdenlive", "Kdenlive", "MLT project: Kdenlive and Shotcut open it, reframed (Position and Zoom keys)"],
  ["otio", "OTIO", "OpenTimelineIO, with the reframe path as metadata"],
];

function editorExports(links) {
  if (!links) return null;
  const buttons = EDITOR_FORMATS.filter(([name]) => links[name]).map(([name, text, title]) =>
    h("a", { class: "btn ghost small", href: safeUrl(links[name]), download: "", title, "data-format": name }, text));
  return buttons.length ? h("div", { class: "clip-actions editor-exports" },
    h("span", { class: "muted small" }, "Timeline + media:"), ...buttons) : null;
}

export class Gallery {
  constructor() {
    this.box = $("#clips");
    this.cards = new Map();
    this.videoId = null;
    this.loading = false;
    this.again = null;
    this.watchUntil = 0;
    this.watchTimer = null;
    this.awaited = new Set(); // clip ids of re-renders not in the gallery yet
    this.rankingNote = ""; // how the video's clips were ranked (said once, not in every reason)
  }

  reset(videoId) {
    this.videoId = videoId;
    this.failed = false;
    this.cards.clear();
    clearTimeout(this.watchTimer);
    this.watchTimer = null;
    this.watchUntil = 0;
    this.awaited.clear();
    clear(this.box).append(h("p", { class: "muted small placeholder" }, "Clips appear here as they render."));
    $("#clip-count").textContent = "";
    $("#clips-note").textContent = "";
  }

  /** Reads the clips; `refresh` names a card whose media must be reloaded (fresh signed links). */
  async load(videoId, { refresh = null } = {}) {
    if (this.loading) {
      this.again = { videoId, refresh: refresh || this.again?.refresh || null };
      return;
    }
    this.loading = true;
    try {
      const body = await api(`/v1/videos/${encodeURIComponent(videoId)}/clips`);
      if (videoId === this.videoId) {
        this.render(body.clips || [], refresh);
        this.onClips?.(videoId, body.clips || []);
      }
    } catch (error) {
      if (videoId === this.videoId) report(error);
    } finally {
      this.loading = false;
      const again = this.again;
      this.again = null;
      if (again && again.videoId === this.videoId) this.load(again.videoId, again);
    }
  }

  render(clips, refresh) {
    const seen = new Set();
    const order = [];
    for (const clip of clips) {
      seen.add(clip.clip_id);
      let card = this.cards.get(clip.clip_id);
      if (!card) {
        card = new ClipCard(clip, this);
        this.cards.set(clip.clip_id, card);
        if (this.awaited.delete(clip.clip_id)) requestAnimationFrame(() => this.highlight(clip.clip_id));
      } else if (card.sig !== signature(clip) || refresh === clip.clip_id) {
        card.update(clip, { media: refresh === clip.clip_id });
      }
      order.push(card.el);
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
    const current = [...this.box.children];
    // Moving a playing <video> in the DOM pauses it: only reorder when the order really changed.
    if (current.length !== order.length || current.some((el, i) => el !== order[i])) this.box.replaceChildren(...order);
    if (!clips.length) {
      const why = this.failed ? "No clips: the video failed before any was rendered." : "Clips appear here as they render.";
      this.box.append(h("p", { class: "muted small placeholder" }, why));
    }
    $("#clip-count").textContent = clips.length ? String(clips.length) : "";
    const note = this.rankingNote ? ` · ${this.rankingNote}` : "";
    $("#clips-note").textContent = clips.length ? `Best first · scores out of 100${note}` : "";
  }

  /** After a re-render: read the clips every few seconds until the new clip is in (or a while passed). */
  watch(clipId) {
    this.watchUntil = Date.now() + WATCH_FOR_MS;
    if (clipId) this.awaited.add(clipId);
    if (this.watchTimer) return;
    const tick = () => {
      this.watchTimer = null;
      if (Date.now() > this.watchUntil || !this.videoId || (clipId && !this.awaited.size)) return;
      this.load(this.videoId);
      this.watchTimer = setTimeout(tick, WATCH_MS);
    };
    this.watchTimer = setTimeout(tick, WATCH_MS);
  }

  /**
   * Renders each of `clipIds` again as it was made (its style, aspect, span, trim and switches: the
   * API keeps what the body does not ask) with the transcript's words as they read now; each new
   * clip is awaited in the gallery. Returns the ids asked for that are now rendered or queued.
   */
  async renderAgain(clipIds) {
    const done = [];
    let queued = 0;
    for (const clipId of clipIds) {
      try {
        const body = await api(`/v1/clips/${encodeURIComponent(clipId)}/renders`, { method: "POST", json: {} });
        if (body?.status === "rendered") this.highlight(body.clip_id);
        else {
          queued += 1;
          this.watch(body?.clip_id);
        }
        done.push(clipId);
      } catch (error) {
        if (error.status === 404) done.push(clipId); // deleted since: nothing left to draw
        else report(error);
      }
    }
    if (queued) {
      toast(`${queued} clip${queued === 1 ? "" : "s"} queued with the corrected words; each appears in the gallery when rendered.`,
        { kind: "info", seconds: 8 });
    }
    return done;
  }

  highlight(clipId) {
    const card = this.cards.get(clipId);
    if (!card) return;
    card.el.classList.remove("fresh");
    void card.el.offsetWidth; // restart the animation
    card.el.classList.add("fresh");
    card.el.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }
}
