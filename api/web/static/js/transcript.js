// The transcript beside the source player: sentences of clickable words, a find bar that highlights
// matching words and jumps the player to the chosen one, the word being spoken marked as the
// player moves, and a misheard word corrected in place (double-click it, or F2 on a word reached
// with the keyboard: the transcript is one stop of the Tab order, its words walked with the arrows).
// Clips that still show a word as heard are gathered across corrections and rendered again in one go.

import { api } from "./api.js";
import { $, clear, clock, h } from "./dom.js";
import { report, toast } from "./notify.js";

const MAX_LISTED_HITS = 200;
const CONTEXT_WORDS = 5;

/** Lower case, no accents, letters and digits only: "Country," and "country" match. */
export function normalize(text) {
  return String(text).toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Indices of the words where `query`'s words follow each other (the last one as a prefix). */
export function findWords(words, query) {
  const tokens = String(query).split(/\s+/).map(normalize).filter(Boolean);
  if (!tokens.length) return [];
  const keys = words.map((w) => normalize(w.word));
  const hits = [];
  for (let i = 0; i + tokens.length <= keys.length; i += 1) {
    let ok = true;
    for (let j = 0; j < tokens.length && ok; j += 1) {
      const key = keys[i + j];
      ok = j === tokens.length - 1 ? key.startsWith(tokens[j]) : key === tokens[j];
    }
    if (ok) hits.push(i);
  }
  return hits;
}

export class Transcript {
  constructor({ seek, player, renderAgain, corrected = () => {} }) {
    this.seek = seek;
    this.corrected = corrected; // () => the clips read again after a correction that named some
    this.renderAgain = renderAgain; // (clip ids) => the ids now rendered or queued with the words as they read
    this.stale = new Set(); // clips whose captions show words as they read before a correction
    this.asked = new Set(); // stale clips whose drawing with the words as they read is asked for here
    this.box = $("#transcript");
    this.input = $("#transcript-search");
    this.words = [];
    this.spans = [];
    this.hits = [];
    this.hitLength = 1;
    this.current = -1;
    this.spoken = null;
    this.focused = 0; // the word the Tab order reaches (a roving tabindex)
    this.videoId = null;
    this.loading = null;
    this.drawn = null;
    this.input.addEventListener("input", () => this.search(this.input.value));
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.step(event.shiftKey ? -1 : 1);
      }
    });
    $("#hit-prev").addEventListener("click", () => this.step(-1));
    $("#hit-next").addEventListener("click", () => this.step(1));
    $("#stale-clips-render").addEventListener("click", () => this.renderStale());
    this.box.addEventListener("click", (event) => this.clicked(event));
    this.box.addEventListener("dblclick", (event) => this.edit(event.target.closest(".word")));
    this.box.addEventListener("keydown", (event) => this.key(event));
    this.box.addEventListener("focusin", (event) => {
      const word = event.target.closest(".word");
      if (word) this.rove(Number(word.dataset.index), false);
    });
    player.addEventListener("timeupdate", () => this.follow(player.currentTime));
  }

  reset() {
    this.videoId = null;
    this.focused = 0;
    this.words = [];
    this.spans = [];
    this.drawn = null;
    this.stale.clear();
    this.asked.clear();
    this.showStale();
    this.input.value = "";
    this.search("");
    clear(this.box).append(h("p", { class: "muted small" }, "Loading the transcript…"));
    $("#transcript-state").textContent = "";
  }

  /** Reads the transcript; redraws only when it grew (so a search or a scroll position survives). */
  async load(videoId, { final = false, failed = false } = {}) {
    this.videoId = videoId;
    let data;
    try {
      data = await api(`/v1/videos/${encodeURIComponent(videoId)}/transcript`);
    } catch (error) {
      if (this.videoId === videoId) report(error);
      return;
    }
    if (this.videoId !== videoId) return;
    const words = data.words || [];
    $("#transcript-state").textContent = words.length
      ? `${words.length} words${data.complete ? "" : " so far"}${data.language ? ` · ${data.language}` : ""}`
      : "";
    // Redrawn when the words grew, or when the video ended without any (its placeholder changes).
    const state = words.length ? String(words.length) : `none:${final}:${failed}`;
    if (state === this.drawn) return;
    this.drawn = state;
    this.render(words, data.sentences || [], { final, failed });
  }

  render(words, sentences, { final, failed = false }) {
    this.words = words;
    this.spans = [];
    this.spoken = null;
    const hadFocus = this.box.contains(document.activeElement); // a redraw keeps the keyboard's place
    clear(this.box);
    if (!words.length) {
      const why = failed ? "No transcript: the video failed before any of it was transcribed."
        : final ? "No speech was found in this video." : "Words appear here as the video is transcribed.";
      this.box.append(h("p", { class: "muted small" }, why));
      this.search(this.input.value);
      return;
    }
    const groups = sentences.length ? sentences.map((s) => ({ ...s, words: [] })) : [{ start: words[0].start, words: [] }];
    let k = 0;
    words.forEach((word, i) => {
      while (k < groups.length - 1 && word.start >= (groups[k].end ?? Infinity) - 0.01) k += 1;
      groups[k].words.push(i);
    });
    this.focused = Math.min(this.focused, words.length - 1);
    let speaker = null;
    for (const group of groups) {
      if (!group.words.length) continue;
      const paragraph = h("p", { class: "sentence", dataset: { start: group.start } },
        h("button", { type: "button", class: "ts", tabindex: "-1", "aria-hidden": "true" }, clock(group.start)));
      // who speaks, named where the speaker changes (the name given to them, else "Speaker N")
      if (group.speaker_name && group.speaker !== speaker) {
        paragraph.append(h("span", { class: "speaker", dataset: { speaker: group.speaker } }, `${group.speaker_name}: `));
      }
      speaker = group.speaker ?? speaker;
      for (const i of group.words) {
        const span = h("span", { class: "word", dataset: { index: i }, tabindex: i === this.focused ? "0" : "-1" },
          String(words[i].word).trim());
        this.spans[i] = span;
        this.mark(i);
        paragraph.append(span, " ");
      }
      this.box.append(paragraph);
    }
    if (hadFocus) this.spans[this.focused].focus({ preventScroll: true });
    this.search(this.input.value);
  }

  /** Makes word `i` the transcript's stop in the Tab order, focused with `focus`. */
  rove(i, focus = true) {
    if (!this.spans[i]) return;
    this.spans[this.focused]?.setAttribute("tabindex", "-1");
    this.spans[i].setAttribute("tabindex", "0");
    this.focused = i;
    if (focus) this.spans[i].focus();
  }

  /** The keyboard on a word: arrows, Home and End move, Enter or Space plays from it, F2 corrects it. */
  key(event) {
    const word = event.target.closest(".word");
    if (!word || event.target.tagName === "INPUT" || event.altKey || event.ctrlKey || event.metaKey) return;
    const i = Number(word.dataset.index);
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: this.words.length - 1 }[event.key];
    if (to !== undefined) this.rove(Math.max(0, Math.min(this.words.length - 1, to)));
    else if (event.key === "Enter" || event.key === " ") this.seek(this.words[i].start);
    else if (event.key === "F2") this.edit(word);
    else return;
    event.preventDefault();
  }

  clicked(event) {
    const word = event.target.closest(".word");
    if (word) {
      this.seek(this.words[Number(word.dataset.index)].start);
      return;
    }
    const sentence = event.target.closest(".sentence");
    if (sentence) this.seek(Number(sentence.dataset.start));
  }

  /** Marks a word a person corrected, saying what was heard. */
  mark(i) {
    const { heard } = this.words[i];
    this.spans[i].classList.toggle("corrected", heard != null);
    this.spans[i].title = heard != null ? `Heard as “${heard}” · double-click (or F2) to correct` : "Double-click (or F2) to correct";
  }

  /** Turns the word's span into a box to correct it in: Enter keeps it, Escape leaves it. */
  edit(span) {
    if (!span || !this.videoId || span.querySelector("input")) return;
    const i = Number(span.dataset.index);
    const word = this.words[i];
    const input = h("input", { type: "text", class: "word-edit", value: String(word.word).trim(),
      "aria-label": `Correct “${String(word.word).trim()}” at ${clock(word.start)}`, maxlength: "100" });
    const close = () => { span.textContent = String(this.words[i].word).trim(); };
    const back = () => { close(); this.rove(i); }; // the keyboard's place kept: back on the word
    input.addEventListener("click", (event) => event.stopPropagation());
    input.addEventListener("keydown", (event) => {
      event.stopPropagation(); // the word's own keys (arrows, Enter, Space) are the box's here
      if (event.key === "Escape") back();
      if (event.key !== "Enter") return;
      event.preventDefault();
      const text = input.value.trim();
      if (!text || text === String(word.word).trim()) back();
      else this.correct(i, text).finally(back);
    });
    input.addEventListener("blur", () => { if (span.contains(input)) close(); });
    clear(span).append(input);
    input.focus();
    input.select();
  }

  /** Sends one correction; on success the word reads `text` here too, and says which clips show the old one. */
  async correct(i, text) {
    const word = this.words[i];
    const videoId = this.videoId;
    try {
      const done = await api(`/v1/videos/${encodeURIComponent(videoId)}/transcript`, {
        method: "PATCH", json: { words: [{ start: word.start, word: text, was: word.word }] },
      });
      if (this.videoId !== videoId) return;
      for (const fixed of done.corrected) {
        if (fixed.start === word.start) this.words[i] = { ...word, word: fixed.word, heard: fixed.heard };
      }
      this.mark(i);
      for (const clip of done.clips) {
        this.stale.add(clip);
        this.asked.delete(clip); // corrected again since its drawing was asked for
      }
      this.showStale();
      if (done.clips.length) this.corrected();
      const clips = done.clips.length;
      toast(clips ? `Corrected. ${clips} clip${clips === 1 ? " shows" : "s show"} the word as it was heard until rendered again.`
        : "Corrected.", { kind: "info", seconds: 6 });
    } catch (error) {
      report(error);
    }
  }

  /**
   * Takes the stale clips from the gallery's list of the open video's clips, as the API says of each
   * (`captions_current`), so a page opened after corrections still offers to render them again. A
   * clip is left out once a current clip of the same moment, aspect, span and style is there, or
   * while its drawing asked for here is on its way.
   */
  knowStale(videoId, clips) {
    if (videoId !== this.videoId) return;
    const look = (c) => [c.moment_id, c.aspect, c.start, c.end, c.caption_style].join("|");
    const current = new Set(clips.filter((c) => c.captions_current === true).map(look));
    this.stale = new Set(clips
      .filter((c) => c.captions_current === false && !current.has(look(c)) && !this.asked.has(c.clip_id))
      .map((c) => c.clip_id));
    this.showStale();
  }

  /** Says how many clips show words as they read before a correction, if any. */
  showStale() {
    const n = this.stale.size;
    $("#stale-clips").hidden = !n;
    $("#stale-clips-text").textContent = !n ? ""
      : `${n} clip${n === 1 ? " shows" : "s show"} words as they read before the latest corrections.`;
  }

  /** Renders every such clip again with its own look and the words as they read now. */
  async renderStale() {
    const button = $("#stale-clips-render");
    const videoId = this.videoId;
    button.disabled = true;
    try {
      const done = await this.renderAgain([...this.stale]);
      if (this.videoId === videoId) {
        for (const clip of done) {
          this.stale.delete(clip);
          this.asked.add(clip);
        }
      }
    } finally {
      button.disabled = false;
      this.showStale();
    }
  }

  search(query) {
    for (const i of this.hits) for (let j = 0; j < this.hitLength; j += 1) this.spans[i + j]?.classList.remove("match", "current");
    const q = String(query || "").trim();
    this.hits = q ? findWords(this.words, q) : [];
    this.hitLength = Math.max(1, q.split(/\s+/).filter((t) => normalize(t)).length);
    this.current = -1;
    for (const i of this.hits) for (let j = 0; j < this.hitLength; j += 1) this.spans[i + j]?.classList.add("match");
    const count = $("#transcript-count");
    count.textContent = !q ? "" : this.hits.length ? `${this.hits.length} match${this.hits.length === 1 ? "" : "es"}` : "No matches";
    $("#hit-prev").disabled = $("#hit-next").disabled = this.hits.length === 0;
    this.listHits(q);
  }

  listHits(q) {
    const list = clear($("#transcript-hits"));
    list.hidden = !q || !this.hits.length;
    this.hits.slice(0, MAX_LISTED_HITS).forEach((i, n) => {
      const before = this.words.slice(Math.max(0, i - CONTEXT_WORDS), i).map((w) => String(w.word).trim()).join(" ");
      const match = this.words.slice(i, i + this.hitLength).map((w) => String(w.word).trim()).join(" ");
      const after = this.words.slice(i + this.hitLength, i + this.hitLength + CONTEXT_WORDS).map((w) => String(w.word).trim()).join(" ");
      list.append(h("li", {},
        h("button", {
          type: "button", class: "transcript-hit", dataset: { index: i, start: this.words[i].start },
          onclick: () => this.choose(n),
        },
        h("span", { class: "mono small hit-time" }, clock(this.words[i].start, { tenths: true })),
        h("span", { class: "hit-text" }, before ? `…${before} ` : "", h("mark", {}, match), after ? ` ${after}…` : ""))));
    });
  }

  step(direction) {
    if (!this.hits.length) return;
    const next = this.current < 0 ? (direction > 0 ? 0 : this.hits.length - 1)
      : (this.current + direction + this.hits.length) % this.hits.length;
    this.choose(next);
  }

  /** Jumps the player to hit `n` and shows it in the transcript. */
  choose(n) {
    const previous = this.hits[this.current];
    if (previous != null) for (let j = 0; j < this.hitLength; j += 1) this.spans[previous + j]?.classList.remove("current");
    this.current = n;
    const index = this.hits[n];
    for (let j = 0; j < this.hitLength; j += 1) this.spans[index + j]?.classList.add("current");
    $("#transcript-count").textContent = `${n + 1} of ${this.hits.length}`;
    for (const button of document.querySelectorAll("#transcript-hits .transcript-hit")) {
      button.classList.toggle("active", Number(button.dataset.index) === index);
    }
    this.seek(this.words[index].start);
    this.reveal(this.spans[index]);
  }

  reveal(span) {
    if (!span) return;
    const top = span.offsetTop; // .transcript is the offset parent (position: relative)
    if (top < this.box.scrollTop || top > this.box.scrollTop + this.box.clientHeight - 24) {
      this.box.scrollTop = Math.max(0, top - this.box.clientHeight / 3);
    }
  }

  /** Marks the word being spoken at `t` seconds. */
  follow(t) {
    if (!this.words.length) return;
    let lo = 0;
    let hi = this.words.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.words[mid].start <= t + 0.01) lo = mid;
      else hi = mid - 1;
    }
    const span = this.words[lo].start <= t + 0.01 ? this.spans[lo] : null;
    if (span === this.spoken) return;
    this.spoken?.classList.remove("spoken");
    span?.classList.add("spoken");
    this.spoken = span;
  }
}
