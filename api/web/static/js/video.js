// The open video: its state and per-stage progress (kept live), the source player, the transcript
// and the clips.

import { api } from "./api.js";
import { $, bytes, clear, duration, h, safeUrl, throttle, when } from "./dom.js";
import { report } from "./notify.js";
import { Live, isTerminal } from "./live.js";
import { Transcript } from "./transcript.js";
import { Gallery } from "./clips.js";

export const STAGES = [
  ["ingest", "Ingest", "Probe the file, extract audio, cut chunks"],
  ["transcribe", "Transcribe", "Speech to words with timings"],
  ["moments", "Find moments", "Score sentences into self-contained clips"],
  ["render", "Render clips", "Reframe, caption and encode"],
];
const EVENT_STATUS = { started: "running", progress: "running", finished: "completed", failed: "failed" };

function pct(progress) {
  return `${Math.round(Math.max(0, Math.min(1, Number(progress) || 0)) * 100)}%`;
}

export class VideoView {
  constructor({ forcePoll, onVideo }) {
    this.forcePoll = forcePoll;
    this.onVideoChanged = onVideo;
    this.id = null;
    this.video = null;
    this.live = null;
    this.player = $("#source-player");
    this.pendingSeek = null;
    this.sourceFor = null;
    this.sourceRetried = 0;
    this.gallery = new Gallery();
    this.transcript = new Transcript({
      seek: (t) => this.seek(t), player: this.player, renderAgain: (clips) => this.gallery.renderAgain(clips),
      corrected: () => this.gallery.load(this.gallery.videoId), // its cards say which show the old words
    });
    this.gallery.onClips = (videoId, clips) => this.transcript.knowStale(videoId, clips);
    this.refetch = throttle(() => this.reload(), 1200);
    this.player.addEventListener("loadedmetadata", () => {
      this.player.classList.toggle("audio-only", !this.player.videoWidth);
      if (this.pendingSeek != null) {
        this.player.currentTime = this.pendingSeek;
        this.pendingSeek = null;
      }
    });
    this.player.addEventListener("error", () => this.sourceFailed());
    this.buildStages();
  }

  buildStages() {
    const list = clear($("#stage-list"));
    this.rows = {};
    for (const [stage, label, about] of STAGES) {
      const fill = h("div", { class: "bar-fill" });
      const status = h("span", { class: "pill status-pending" }, "pending");
      const detail = h("span", { class: "muted small stage-detail" });
      const row = h("li", { class: "stage", dataset: { stage, status: "pending" } },
        h("div", { class: "stage-head" }, h("span", { class: "stage-name", title: about }, label), status),
        h("div", { class: "bar" }, fill),
        detail);
      this.rows[stage] = { row, fill, status, detail };
      list.append(row);
    }
  }

  close() {
    if (this.live) this.live.stop();
    this.live = null;
    this.id = null;
  }

  async open(videoId, { at } = {}) {
    if (this.live) this.live.stop();
    this.live = null;
    const changed = this.id !== videoId;
    this.id = videoId;
    $("#detail-empty").hidden = true;
    $("#detail-body").hidden = false;
    if (changed) {
      this.video = null;
      $("#video-title").textContent = "Loading…";
      $("#video-meta").textContent = "";
      $("#video-status").hidden = true;
      $("#video-error").hidden = true;
      this.setSource(null);
      this.transcript.reset();
      this.gallery.reset(videoId);
      this.buildStages();
    }
    if (at != null) this.seek(at);
    let video;
    try {
      video = await api(`/v1/videos/${encodeURIComponent(videoId)}`);
    } catch (error) {
      if (this.id !== videoId) return;
      $("#video-title").textContent = "Video unavailable";
      const banner = $("#video-error");
      banner.textContent = error.message;
      banner.hidden = false;
      if (error.status === 401) report(error);
      return;
    }
    if (this.id !== videoId) return;
    document.body.dataset.openedStatus = video.status;
    this.show(video, { force: true });
    if (!isTerminal(video)) {
      this.live = new Live(video, {
        forcePoll: this.forcePoll,
        onVideo: (v) => this.id === videoId && this.show(v),
        onEvent: (e) => this.id === videoId && this.applyEvent(e),
        onError: report,
      });
      this.live.start();
    }
  }

  async reload() {
    const videoId = this.id;
    if (!videoId) return;
    try {
      const video = await api(`/v1/videos/${encodeURIComponent(videoId)}`);
      if (this.id === videoId) this.show(video);
    } catch (error) {
      report(error);
    }
  }

  /** Renders a video state; refreshes the transcript and clips when their stages moved. */
  show(video, { force = false } = {}) {
    const before = this.video;
    this.video = video;
    $("#video-title").textContent = video.filename;
    const meta = [
      video.duration != null ? duration(video.duration) : null,
      video.size_bytes != null ? bytes(video.size_bytes) : null,
      video.created_at ? `uploaded ${when(video.created_at)}` : null,
      // the count asked for, which a short or failed video may not reach
      video.options?.clip_count ? `up to ${video.options.clip_count} clip${video.options.clip_count === 1 ? "" : "s"}` : null,
      video.options?.aspect_ratios?.length ? video.options.aspect_ratios.join(", ") : null,
      video.options?.caption_style ? `${video.options.caption_style} captions` : null,
    ].filter(Boolean);
    $("#video-meta").textContent = meta.join(" · ");
    const status = $("#video-status");
    status.hidden = false;
    status.className = `pill status-${video.status}`;
    status.textContent = video.status;
    const banner = $("#video-error");
    banner.hidden = !video.error;
    banner.textContent = video.error ? video.error.message : "";
    $("#overall-bar").style.width = pct(video.progress);
    $("#overall-pct").textContent = pct(video.progress);
    for (const stage of video.stages || []) this.showStage(stage);
    this.setSource(video);
    this.onVideoChanged(video);

    const moved = (name) => {
      const now = (video.stages || []).find((s) => s.stage === name);
      const then = (before?.stages || []).find((s) => s.stage === name);
      return !then || !now || now.status !== then.status || now.progress !== then.progress;
    };
    const done = isTerminal(video);
    const finished = done && (!before || !isTerminal(before));
    const failed = video.status === "failed";
    if (force || finished || moved("transcribe")) this.transcript.load(video.video_id, { final: done, failed });
    this.gallery.rankingNote = video.ranking?.note || "";
    this.gallery.failed = failed;
    if (force || finished || moved("moments") || moved("render")) this.gallery.load(video.video_id);
    if (done && this.live) {
      this.live.stop();
      this.live = null;
    }
  }

  showStage(stage) {
    const parts = this.rows[stage.stage];
    if (!parts) return;
    parts.row.dataset.status = stage.status;
    parts.fill.style.width = stage.status === "completed" ? "100%" : pct(stage.progress);
    parts.status.className = `pill status-${stage.status}`;
    parts.status.textContent = stage.status === "running" ? `${pct(stage.progress)}` : stage.status;
    let detail = "";
    if (stage.error) detail = stage.error.message;
    else if (stage.started_at && stage.finished_at) {
      detail = `took ${duration((new Date(stage.finished_at) - new Date(stage.started_at)) / 1000)}`;
    } else if (stage.started_at) detail = `started ${when(stage.started_at)}`;
    parts.detail.textContent = detail;
    parts.detail.classList.toggle("error-text", Boolean(stage.error));
  }

  /** One lifecycle event from the stream: shown at once, then the full state is read again. */
  applyEvent(event) {
    const parts = this.rows[event.stage];
    if (parts) {
      const status = EVENT_STATUS[event.status] || event.status;
      const progress = event.status === "finished" ? 1 : event.progress;
      this.showStage({
        stage: event.stage, status, progress,
        error: event.status === "failed" ? { code: event.error_code, message: event.reason || "failed" } : null,
        started_at: this.video?.stages?.find((s) => s.stage === event.stage)?.started_at,
      });
    }
    this.refetch();
  }

  setSource(video) {
    const url = video?.urls?.source;
    const note = $("#source-note");
    if (!video) {
      this.sourceFor = null;
      this.pendingSeek = null;
      this.player.removeAttribute("src");
      this.player.load();
      this.player.classList.remove("audio-only");
      this.player.hidden = false;
      note.hidden = true;
      return;
    }
    // A signed link changes on every read; load it once per video so playback isn't interrupted.
    if (this.sourceFor === video.video_id) return;
    if (!url) {
      note.hidden = false;
      return;
    }
    note.hidden = true;
    this.player.hidden = false;
    this.sourceFor = video.video_id;
    this.sourceRetried = 0;
    this.player.src = safeUrl(url);
  }

  async sourceFailed() {
    // A signed link that expired while the page stayed open: take a fresh one, once.
    if (!this.sourceFor || this.sourceRetried >= 1) {
      if (this.sourceFor) {
        $("#source-note").hidden = false;
        this.player.hidden = true;
      }
      return;
    }
    this.sourceRetried += 1;
    try {
      const video = await api(`/v1/videos/${encodeURIComponent(this.sourceFor)}`);
      if (video.urls?.source && video.video_id === this.id) {
        const at = this.player.currentTime;
        this.pendingSeek = at || this.pendingSeek;
        this.player.src = safeUrl(video.urls.source);
      }
    } catch (error) {
      report(error);
    }
  }

  /** Moves the source player to `seconds` (once its metadata is in, if it isn't yet). */
  seek(seconds) {
    const t = Math.max(0, Number(seconds) || 0);
    if (this.player.readyState >= 1) this.player.currentTime = t;
    else this.pendingSeek = t;
    this.transcript.follow(t);
  }
}
