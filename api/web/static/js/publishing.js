// Publishing: the platform accounts clips are posted to (connected through the platform's own
// consent page), every post with its state, and the publish form on a clip card.

import { api } from "./api.js";
import { $, clear, h, safeUrl } from "./dom.js";
import { report, toast } from "./notify.js";

const PLATFORM_NAME = { youtube: "YouTube", tiktok: "TikTok" };
/** A platform as it spells itself ("YouTube"); an unknown one as the API names it. */
const platformName = (platform) => PLATFORM_NAME[platform] || platform;
const STATS_FRESH_MS = 60_000;
const OFF = "Publishing is off on this server: its operator sets CLIPSTREAM_TOKEN_KEYS and a platform's OAuth client.";

/** What the Publishing view says while the server publishes nothing; with accounts or posts
 * listed (made while it was on), that they are kept and that nothing goes out meanwhile. */
export function publishingOffText(listed) {
  return listed ? `${OFF} The accounts and posts below were made while it was on: nothing is posted meanwhile, and scheduled posts wait until it is on again.` : OFF;
}

/** The Publishing view's off banner and its cards: publishing on, the cards alone; off, the
 * banner (with ``listed``, as ``publishingOffText`` says), above the cards only when they list
 * something. */
function showState(enabled, listed) {
  const off = $("#publishing-off");
  if (!enabled) off.textContent = publishingOffText(listed);
  off.hidden = enabled;
  // with nothing listed, two empty cards would only offer what the banner says cannot be done
  $("#accounts-card").hidden = $("#posts-card").hidden = !enabled && !listed;
}
let statsRead = null;

const STATUS_TEXT = {
  scheduled: "Scheduled", publishing: "Publishing…", processing: "Being checked by the platform…",
  published: "Published", failed: "Failed", cancelled: "Cancelled",
};

/** A post's status in words; a post the platform holds, waiting to make it public at its time
 * (YouTube: uploaded ahead, scheduled there), says so. */
export function statusText(post, now = Date.now()) {
  if (post.status === "processing" && Date.parse(post.publish_at) > now) return "Uploaded, public at its time";
  return STATUS_TEXT[post.status] || post.status;
}

/** For the publish form: whether this server publishes at all, and the accounts a post can go
 * to (connected ones). */
export async function postingTargets() {
  const body = await api("/v1/accounts");
  return { enabled: Boolean(body?.enabled), connected: (body?.accounts || []).filter((a) => a.status === "connected") };
}

/** Sends the person to the platform's consent page (to connect an account, or one again). */
export async function connect(platform, accountId) {
  const body = await api("/v1/accounts/connect", {
    method: "POST", json: accountId ? { platform, account_id: accountId } : { platform },
  });
  location.assign(body.authorization_url);
}

/** Each published post's latest platform statistics (`posts` of GET /v1/analytics, from
 * ClickHouse), by clip and by post; read at most once a minute unless `fresh`. */
export async function postStats(fresh = false) {
  if (!fresh && statsRead && Date.now() - statsRead.at < STATS_FRESH_MS) return statsRead;
  const body = await api("/v1/analytics?days=1");
  const byClip = new Map();
  const byPost = new Map();
  for (const post of body?.posts || []) {
    if (!byClip.has(post.clip_id)) byClip.set(post.clip_id, []);
    byClip.get(post.clip_id).push(post);
    byPost.set(post.post_id, post);
  }
  statsRead = { at: Date.now(), byClip, byPost };
  return statsRead;
}

function counted(n, noun) {
  if (n == null) return `– ${noun}s`;
  return `${Number(n).toLocaleString()} ${noun}${Number(n) === 1 ? "" : "s"}`;
}

/** "YouTube: 1,234 views · 56 likes · 7 comments" */
export function statsText(post) {
  return `${platformName(post.platform)}: ${counted(post.views, "view")} · `
    + `${counted(post.likes, "like")} · ${counted(post.comments, "comment")}`;
}

/** Fills a clip card's line of platform statistics (hidden while the clip has none). */
export function showClipStats(element, clipId) {
  postStats().then(({ byClip }) => {
    const posts = byClip.get(clipId) || [];
    clear(element).append(...posts.map((p) => h("span", {
      class: "post-stats", dataset: { platform: p.platform, postId: p.post_id },
      title: `fetched ${new Date(p.fetched_at).toLocaleString()}`,
    }, statsText(p))));
    element.hidden = posts.length === 0;
  }).catch((error) => {
    if (error.status === 401) report(error);  // otherwise analytics are away for now: the line stays hidden
  });
}

export class Publishing {
  constructor() {
    this.accounts = $("#account-list");
    this.posts = $("#post-list");
    for (const platform of ["youtube", "tiktok"]) {
      $(`#connect-${platform}`).addEventListener("click", () => connect(platform).catch(report));
    }
    $("#publishing-refresh").addEventListener("click", () => this.load());
  }

  /** Says how a connection just made on the platform's page went (it comes back as ?account_…). */
  noteReturn(params) {
    if (params.get("account_connected")) toast("Account connected: clips can be posted to it.", { kind: "ok" });
    else if (params.get("account_error")) toast(`The account was not connected (${params.get("account_error")}).`);
  }

  async load() {
    try {
      const [accounts, posts, stats] = await Promise.all([
        api("/v1/accounts"), api("/v1/posts"), postStats(true).catch(() => null)]);
      this.showAccounts(accounts?.accounts || []);
      this.showPosts(posts?.posts || [], stats?.byPost || new Map());
      showState(Boolean(accounts?.enabled), (accounts?.accounts || []).length + (posts?.posts || []).length > 0);
      for (const platform of ["youtube", "tiktok"]) {
        $(`#connect-${platform}`).hidden = !(accounts?.platforms || []).includes(platform);
      }
    } catch (error) {
      if (error.code === "publishing_not_configured") showState(false, false);
      else report(error);
    }
  }

  showAccounts(accounts) {
    clear(this.accounts).append(...accounts.map((a) => h("li", { class: "account", dataset: { status: a.status } },
      h("b", {}, a.name), h("span", { class: "pill platform" }, platformName(a.platform)),
      a.status === "reconnect_required"
        ? h("span", { class: "reconnect" }, h("span", { class: "form-error" }, "Reconnect: the platform no longer accepts this account's grant. "),
          h("button", { type: "button", class: "btn small needs-admin", onclick: () => connect(a.platform, a.account_id).catch(report) }, "Reconnect"))
        : h("span", { class: "muted small" }, "connected"))));
    $("#account-empty").hidden = accounts.length > 0;
  }

  showPosts(posts, stats) {
    clear(this.posts).append(...posts.map((p) => h("li", { class: "post", dataset: { status: p.status, postId: p.post_id } },
      h("span", { class: `pill status-${p.status}` }, statusText(p)),
      h("b", {}, p.title),
      h("span", { class: "muted small mono" }, new Date(p.publish_at).toLocaleString()),
      p.url ? h("a", { href: safeUrl(p.url), target: "_blank", rel: "noopener" }, "View") : null,
      stats.has(p.post_id) ? h("span", { class: "post-stats small" }, statsText(stats.get(p.post_id))) : null,
      p.error_code === "account_reconnect_required" ? h("span", { class: "form-error small" }, "Reconnect the account, then retry.")
        : p.error_code === "post_refused" ? h("span", { class: "form-error small", title: p.error }, "Refused by the platform: " + p.error)
        : p.error ? h("span", { class: "form-error small", title: p.error }, p.error_code) : null,
      p.status === "scheduled" ? h("button", { type: "button", class: "btn ghost small needs-write", onclick: () => this.act(p, "cancel") }, "Cancel") : null,
      p.status === "failed" ? h("button", { type: "button", class: "btn ghost small needs-write", onclick: () => this.act(p, "retry") }, "Retry") : null)));
    $("#post-empty").hidden = posts.length > 0;
  }

  async act(post, what) {
    try {
      await api(`/v1/posts/${encodeURIComponent(post.post_id)}/${what}`, { method: "POST" });
    } catch (error) {
      report(error);
    }
    await this.load();
  }
}

/** A clip card's publish form: account, title, description, when. */
export function publishForm(clip) {
  const account = h("select", { name: "account_id", "aria-label": "Account", required: true });
  const title = h("input", { name: "title", maxlength: 100, value: (clip.title || "").slice(0, 100), "aria-label": "Title" });
  const description = h("textarea", { name: "description", maxlength: 5000, rows: 2, "aria-label": "Description" });
  const when = h("input", { type: "datetime-local", name: "publish_at", "aria-label": "When (empty: now)" });
  const privacy = h("select", { name: "privacy", "aria-label": "Privacy" },
    ["public", "unlisted", "private"].map((v) => h("option", { value: v }, v)));
  const message = h("p", { class: "small form-message", role: "status" });
  const submit = h("button", { type: "submit", class: "btn primary small" }, "Publish");
  const form = h("form", { class: "publish", hidden: true },
    h("label", { class: "field inline" }, h("span", {}, "Account"), account),
    h("label", { class: "field inline" }, h("span", {}, "Title"), title),
    h("label", { class: "field inline" }, h("span", {}, "When"), when),
    h("label", { class: "field inline" }, h("span", {}, "Privacy"), privacy),
    h("label", { class: "field" }, h("span", {}, "Description"), description),
    submit, message);
  form.load = async () => {
    message.textContent = "";
    const targets = await postingTargets().catch((error) => { message.textContent = error.message; return null; });
    const accounts = targets?.connected || [];
    clear(account).append(...accounts.map((a) => h("option", { value: a.account_id }, `${a.name} (${platformName(a.platform)})`)));
    submit.disabled = !targets?.enabled || accounts.length === 0;
    if (message.textContent) return;
    if (!targets.enabled) message.textContent = OFF;
    else if (!accounts.length) message.textContent = "Connect an account in Publishing first.";
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const body = { account_id: account.value, title: title.value, description: description.value, privacy: privacy.value };
      if (when.value) body.publish_at = new Date(when.value).toISOString();
      const post = await api(`/v1/clips/${encodeURIComponent(clip.clip_id)}/posts`, { method: "POST", json: body });
      message.className = "small form-message";
      message.textContent = `Scheduled for ${new Date(post.publish_at).toLocaleString()}: it appears in Publishing.`;
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
