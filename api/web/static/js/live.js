// Following one video while it is processed: the server's event stream (`urls.events`, Server-Sent
// Events: a `snapshot` then `lifecycle` events) when there is one, else polling GET /v1/videos/{id}.
// A stream that errors (closed by a proxy, an expired link, no such route) falls back to polling.

import { api } from "./api.js";
import { safeUrl } from "./dom.js";

const POLL_MS = 1500;
// While streaming, the state is also read when the stream has been quiet this long: a stream that
// is open but silent (a proxy holding events back, a server that lost its feed) never leaves the
// page stale.
const QUIET_MS = 5000;
const TERMINAL = new Set(["completed", "failed"]);

export const isTerminal = (video) => TERMINAL.has(video?.status);

/** The page's live mode on <body data-live>, and every mode used so far in data-live-seen. */
function setMode(mode) {
  const body = document.body;
  body.dataset.live = mode;
  const seen = new Set((body.dataset.liveSeen || "").split(",").filter(Boolean));
  seen.add(mode);
  body.dataset.liveSeen = [...seen].join(",");
}

export class Live {
  /**
   * @param video the video as GET /v1/videos/{id} returned it
   * @param onVideo called with a fresh video object (snapshot or poll)
   * @param onEvent called with each lifecycle event {stage, status, progress, ...}
   * @param onError called with an ApiError while polling
   */
  constructor(video, { forcePoll = false, onVideo, onEvent, onError }) {
    this.videoId = video.video_id;
    this.eventsUrl = video.urls?.events;
    this.forcePoll = forcePoll;
    this.onVideo = onVideo;
    this.onEvent = onEvent;
    this.onError = onError;
    this.source = null;
    this.timer = null;
    this.quietTimer = null;
    this.heardAt = 0;
    this.stopped = false;
  }

  start() {
    if (this.eventsUrl && window.EventSource && !this.forcePoll) this.stream();
    else this.poll();
  }

  stop() {
    this.stopped = true;
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.timer);
    clearInterval(this.quietTimer);
    setMode("idle");
  }

  stream() {
    const source = new EventSource(safeUrl(this.eventsUrl));
    this.source = source;
    setMode("sse");
    const counted = (name) => {
      this.heardAt = Date.now();
      const key = name === "lifecycle" ? "sseLifecycle" : "sseSnapshots";
      document.body.dataset[key] = String(Number(document.body.dataset[key] || 0) + 1);
    };
    this.heardAt = Date.now();
    this.quietTimer = setInterval(() => {
      if (Date.now() - this.heardAt >= QUIET_MS) {
        this.heardAt = Date.now();
        this.refetch();
      }
    }, QUIET_MS / 2);
    source.addEventListener("snapshot", (message) => {
      counted("snapshot");
      const video = parse(message.data);
      if (video && video.video_id === this.videoId) this.onVideo(video);
    });
    source.addEventListener("lifecycle", (message) => {
      counted("lifecycle");
      const event = parse(message.data);
      if (event && (!event.video_id || event.video_id === this.videoId)) this.onEvent(event);
    });
    // Events were dropped on the server side: read the whole state again.
    source.addEventListener("lagged", () => this.refetch());
    source.addEventListener("error", () => {
      if (this.stopped || this.source !== source) return;
      source.close();
      this.source = null;
      clearInterval(this.quietTimer);
      this.poll();
    });
  }

  async refetch() {
    try {
      const video = await api(`/v1/videos/${encodeURIComponent(this.videoId)}`);
      if (!this.stopped) this.onVideo(video);
    } catch (error) {
      if (!this.stopped) this.onError(error);
    }
  }

  poll() {
    if (this.stopped) return;
    setMode("poll");
    const tick = async () => {
      if (this.stopped) return;
      let video = null;
      try {
        video = await api(`/v1/videos/${encodeURIComponent(this.videoId)}`);
      } catch (error) {
        if (this.stopped) return;
        this.onError(error);
        if (error.status === 401 || error.status === 404) return;
      }
      if (this.stopped) return;
      if (video) this.onVideo(video);
      if (!video || !isTerminal(video)) this.timer = setTimeout(tick, video ? POLL_MS : POLL_MS * 4);
    };
    this.timer = setTimeout(tick, POLL_MS);
  }
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}
