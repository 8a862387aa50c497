// The upload form: a file (chosen or dropped), the processing options, and a progress bar fed by
// the browser's upload progress.

import { uploadVideo } from "./api.js";
import { $, bytes } from "./dom.js";
import { report } from "./notify.js";

export class Upload {
  constructor({ onUploaded }) {
    this.onUploaded = onUploaded;
    this.form = $("#upload-form");
    this.input = $("#upload-file");
    this.button = $("#upload-button");
    this.input.addEventListener("change", () => this.chosen());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    const zone = $("#dropzone");
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer?.files?.length) {
        this.input.files = event.dataTransfer.files;
        this.chosen();
      }
    });
  }

  chosen() {
    const file = this.input.files[0];
    const text = $("#dropzone-text");
    text.replaceChildren();
    if (file) {
      const name = document.createElement("b");
      name.textContent = file.name;
      text.append(name, ` · ${bytes(file.size)}`);
    } else {
      const choose = document.createElement("b");
      choose.textContent = "Choose a file";
      text.append(choose, " or drop it here");
    }
    this.button.disabled = !file;
    $("#upload-error").hidden = true;
  }

  fields() {
    const aspects = [...this.form.querySelectorAll("input[name=aspect]:checked")].map((box) => box.value);
    return {
      clip_count: $("#opt-clip-count").value,
      length: $("#opt-length").value,
      caption_style: $("#opt-caption-style").value,
      framing: $("#opt-framing").value,
      trim: $("#opt-trim").value,
      hook_title: String($("#opt-hook-title").checked),
      emphasis: String($("#opt-emphasis").checked),
      emoji: String($("#opt-emoji").checked),
      aspect_ratios: aspects.join(","),
    };
  }

  progress(loaded, total) {
    const pct = total ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
    $("#upload-bar").style.width = `${pct}%`;
    $("#upload-progress").setAttribute("aria-valuenow", String(pct));
    $("#upload-status").textContent = pct < 100
      ? `Uploading ${pct}% · ${bytes(loaded)} of ${bytes(total)}`
      : "Upload complete · queueing for processing…";
  }

  async send() {
    const file = this.input.files[0];
    if (!file) return;
    const error = $("#upload-error");
    error.hidden = true;
    clearTimeout(this.hideTimer);
    $("#upload-progress").hidden = false;
    this.form.classList.add("busy");
    this.button.disabled = true;
    this.input.disabled = true;
    this.progress(0, file.size);
    try {
      const body = await uploadVideo(file, this.fields(), (loaded, total) => this.progress(loaded, total));
      $("#upload-status").textContent = `Uploaded ${file.name} · processing started`;
      clearTimeout(this.hideTimer);
      this.hideTimer = setTimeout(() => { $("#upload-progress").hidden = true; }, 6000);
      this.input.value = "";
      this.chosen();
      this.onUploaded(body);
    } catch (err) {
      $("#upload-progress").hidden = true;
      if (err.status === 401) {
        report(err);
      } else {
        error.textContent = err.message;
        error.hidden = false;
      }
      this.button.disabled = false;
    } finally {
      this.form.classList.remove("busy");
      this.input.disabled = false;
    }
  }
}
