// The page's shell: the key panel, the two views (videos, analytics) and the wiring between the
// upload form, the library and the open video. State that a link can carry lives in the address
// fragment: #video=<id>&t=<seconds> (and #key=<key>, which is taken out at once).

import { api, currentSession, getKey, resumeSession, setKey, signIn, signOut, takeKeyFromFragment } from "./api.js";
import { $, bringToTop } from "./dom.js";
import { hideToast, onUnauthorized, report } from "./notify.js";
import { Upload } from "./upload.js";
import { Library } from "./library.js";
import { VideoView } from "./video.js";
import { Analytics } from "./analytics.js";
import { Publishing } from "./publishing.js";
import { Team, join } from "./team.js";

const fragment = takeKeyFromFragment();
// ?live=poll makes the page poll instead of using the event stream (operators behind proxies that
// buffer Server-Sent Events; and the browser test covers both paths with it).
const forcePoll = new URLSearchParams(location.search).get("live") === "poll";

for (const select of document.querySelectorAll("select.caption-styles")) {
  select.append($("#caption-style-options").content.cloneNode(true));
}

const videoView = new VideoView({ forcePoll, onVideo: (video) => library.update(video) });
const library = new Library({ onOpen: (id, at) => { openVideo(id, at); bringToTop($("#video-detail")); } });
const analytics = new Analytics();
const publishing = new Publishing();
const team = new Team();
new Upload({
  onUploaded: (body) => {
    library.refresh().catch(report);
    openVideo(body.video_id);
    bringToTop($("#video-detail"));
  },
});

function openVideo(videoId, at) {
  showView("videos");
  const params = new URLSearchParams({ video: videoId });
  history.replaceState(null, "", `${location.pathname}${location.search}#${params}`);
  library.select(videoId);
  videoView.open(videoId, { at });
}

function showView(name) {
  for (const tab of document.querySelectorAll("#tabs .tab")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  $("#view-videos").hidden = name !== "videos";
  $("#view-analytics").hidden = name !== "analytics";
  $("#view-publishing").hidden = name !== "publishing";
  $("#view-team").hidden = name !== "team";
  if (name === "team") team.load();
  if (name === "analytics") analytics.load();
  if (name === "publishing") publishing.load();
}

function showKeyPanel(message, { viaKey = Boolean(getKey()) } = {}) {
  $("#app").hidden = true;
  $("#tabs").hidden = true;
  $("#key-status").hidden = true;
  $("#key-panel").hidden = false;
  videoView.close();
  delete document.body.dataset.role;
  for (const [id, shown] of [["#key-error", viaKey], ["#signin-error", !viaKey]]) {
    const error = $(id);
    error.textContent = shown ? message || "" : "";
    error.hidden = !(shown && message);
  }
  $("#key-input").value = "";
  $("#signin-password").value = "";
  (viaKey ? $("#key-input") : $("#signin-email")).focus();
}

function showApp() {
  const key = getKey();
  const session = key ? null : currentSession();
  $("#key-label").textContent = session
    ? session.user.email || session.workspace.name
    : key.length > 12 ? `${key.slice(0, 10)}…` : key;
  $("#role-label").textContent = session ? session.role : "";
  $("#role-label").hidden = !session;
  $("#key-change").hidden = Boolean(session);
  $("#sign-out").hidden = !session;
  if (session) document.body.dataset.role = session.role;
  else delete document.body.dataset.role;
  $("#team-tab").hidden = !(session && ["admin", "owner"].includes(session.role));
  $("#key-panel").hidden = true;
  $("#app").hidden = false;
  $("#tabs").hidden = false;
  $("#key-status").hidden = false;
}

/** Checks the key (or the session cookie) by loading the library; shows the app, or the sign-in
 * panel with the API's reason. */
async function connect() {
  if (!getKey() && !currentSession() && !(await resumeSession().catch(() => null))) {
    showKeyPanel();
    return false;
  }
  try {
    await library.refresh();
  } catch (error) {
    if (error.status === 401) {
      showKeyPanel(error.message);
      return false;
    }
    report(error);
  }
  showApp();
  return true;
}

onUnauthorized((error) => showKeyPanel(error.message));

$("#signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = $("#signin-button");
  button.disabled = true;
  try {
    await signIn($("#signin-email").value.trim(), $("#signin-password").value);
    $("#signin-password").value = "";
    hideToast();
    if (await connect()) follow(new URLSearchParams(location.hash.replace(/^#/, "")));
  } catch (error) {
    showKeyPanel(error.message, { viaKey: false });
  } finally {
    button.disabled = false;
  }
});
$("#sign-out").addEventListener("click", async () => {
  await signOut().catch(report);
  showKeyPanel("Signed out.", { viaKey: false });
});
$("#video-delete").addEventListener("click", async () => {
  const id = videoView.id;
  if (!id || !confirm("Delete this video, its clips and its files? This cannot be undone.")) return;
  try {
    await api(`/v1/videos/${encodeURIComponent(id)}`, { method: "DELETE" });
    videoView.close();
    history.replaceState(null, "", location.pathname + location.search);
    await library.refresh();
  } catch (error) {
    report(error);
  }
});

$("#key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("#key-input").value.trim();
  if (!key) return;
  setKey(key);
  hideToast();
  await connect();
});
$("#key-change").addEventListener("click", () => showKeyPanel());
$("#toast-close").addEventListener("click", hideToast);
for (const tab of document.querySelectorAll("#tabs .tab")) {
  tab.addEventListener("click", () => showView(tab.dataset.view));
}

/** Opens the video a fragment names (#video=<id>&t=<seconds>), if any. */
function follow(params) {
  const videoId = params.get("video");
  if (!videoId) return;
  const at = Number(params.get("t"));
  openVideo(videoId, params.has("t") && Number.isFinite(at) ? at : undefined);
}

// A link to another video on this page (or a pasted #key=) changes only the fragment.
window.addEventListener("hashchange", async () => {
  const hadKey = /(^#|&)key=/.test(location.hash);
  const params = takeKeyFromFragment();
  if (params.get("invitation")) return offerJoin(params.get("invitation"));
  if (params.get("reset")) return offerReset(params.get("reset"));
  if (hadKey && !(await connect())) return;
  if (params.get("video") && params.get("video") !== videoView.id) follow(params);
});

/** An invitation link (#invitation=...): the join form, then signed in as the new member. */
function offerJoin(token) {
  history.replaceState(null, "", location.pathname + location.search);
  showKeyPanel("", { viaKey: false });
  $("#join-form").hidden = false;
  $("#join-name").focus();
  $("#join-form").onsubmit = async (event) => {
    event.preventDefault();
    const error = $("#join-error");
    $("#join-button").disabled = true;
    try {
      const member = await join(token, $("#join-name").value.trim(), $("#join-password").value);
      await signIn(member.email, $("#join-password").value, member.tenant_id);
      $("#join-password").value = "";
      $("#join-form").hidden = true;
      await connect();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      $("#join-button").disabled = false;
    }
  };
}

$("#forgot").addEventListener("click", async () => {
  const message = $("#forgot-message");
  const email = $("#signin-email").value.trim();
  message.className = "small form-message";
  if (!email) {
    message.textContent = "Type your email first.";
    return;
  }
  try {
    await api("/v1/password-resets", { method: "POST", json: { email } });
    message.textContent = "If an account has this email, a link to choose a new password is on its way.";
  } catch (error) {
    message.className = "small form-message form-error";
    message.textContent = error.message;
  }
});

/** A reset link (#reset=...): the new password form, then the sign-in form. */
function offerReset(token) {
  history.replaceState(null, "", location.pathname + location.search);
  showKeyPanel("", { viaKey: false });
  $("#reset-form").hidden = false;
  $("#reset-password").focus();
  $("#reset-form").onsubmit = async (event) => {
    event.preventDefault();
    try {
      await api(`/v1/password-resets/${encodeURIComponent(token)}`, {
        method: "POST", json: { password: $("#reset-password").value },
      });
      $("#reset-form").hidden = true;
      showKeyPanel("Your password is set: sign in with it.", { viaKey: false });
    } catch (error) {
      $("#reset-error").textContent = error.message;
      $("#reset-error").hidden = false;
    } finally {
      $("#reset-password").value = "";
    }
  };
}

// Single sign-on: the button when the server offers it; back from the provider the fragment says
// #signed-in (the session cookie is set: `connect` resumes it) or #sign-on-error=<code>.
const SIGN_ON_ERRORS = {
  no_account: "Your identity provider signed you in, but no clipstream account has that email. Ask an admin of your workspace to invite you.",
  email_not_verified: "Your identity provider has not verified your email, so it cannot stand for a clipstream account.",
  no_workspace: "You are not a member of any workspace yet: ask an admin to invite you.",
  unknown_sign_on: "That sign-in was used already or took too long: start again.",
  provider_refused: "Your identity provider did not sign you in.",
  sign_on_unavailable: "Your identity provider could not be reached: try again in a moment.",
  sign_on_failed: "Your identity provider's answer did not check out, so you are not signed in.",
  sign_on_not_configured: "Single sign-on is not set up on this server.",
  config_error: "Single sign-on is misconfigured on this server: tell its operator.",
};
api("/v1/sign-on").then((offered) => {
  if (!offered.enabled) return;
  $("#sign-on-link").textContent = `Sign in with ${offered.name}`;
  $("#sign-on").hidden = false;
}).catch(() => {});
/** What a sign-on error's code means to a person (the code comes from the address: only known
 * codes are shown as they are). */
function signOnMessage(code) {
  if (Object.hasOwn(SIGN_ON_ERRORS, code)) return SIGN_ON_ERRORS[code];
  return /^[a-z_]{1,40}$/.test(code) ? `Single sign-on failed (${code}).` : "Single sign-on failed.";
}
const signOnError = fragment.get("sign-on-error");
if (signOnError !== null || fragment.has("signed-in")) {
  history.replaceState(null, "", location.pathname + location.search);
}

const invitation = fragment.get("invitation");
const reset = fragment.get("reset");
const opening = invitation ? Promise.resolve(offerJoin(invitation)).then(() => false)
  : reset ? Promise.resolve(offerReset(reset)).then(() => false)
  : signOnError !== null ? Promise.resolve(showKeyPanel(signOnMessage(signOnError), { viaKey: false })).then(() => false)
  : connect();
opening.then((connected) => {
  if (!connected) return;
  // back from a platform's consent page (?account_connected=… or ?account_error=…#accounts)
  const back = new URLSearchParams(location.search);
  if (back.has("account_connected") || back.has("account_error")) {
    publishing.noteReturn(back);
    history.replaceState(null, "", location.pathname);
    showView("publishing");
    return;
  }
  follow(fragment);
});
