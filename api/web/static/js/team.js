// The Team view (admins): the workspace's members and their roles, invitations, the audit log;
// and the join form an invitation link (#invitation=...) opens.

import { api } from "./api.js";
import { $, clear, h } from "./dom.js";
import { report } from "./notify.js";

const ROLES = ["viewer", "editor", "admin", "owner"];

/** Why ``member``'s role cannot be changed nor the member removed by someone in the role ``acting``
 * (the API's rules: only an owner touches an owner, and a workspace keeps one owner), or "". */
export function memberLocked(member, owners, acting) {
  if (member.role !== "owner") return "";
  if (acting !== "owner") return "Only an owner may change or remove an owner.";
  if (owners <= 1) return "A workspace keeps at least one owner: make another member an owner first.";
  return "";
}

export class Team {
  constructor() {
    $("#team-refresh").addEventListener("click", () => this.load());
    $("#invite-form").addEventListener("submit", (event) => this.invite(event));
  }

  async load() {
    try {
      const [members, log] = await Promise.all([api("/v1/members"), api("/v1/audit?limit=100")]);
      this.showMembers(members?.members || []);
      this.showLog(log?.events || [], new Map((members?.members || []).map((m) => [m.user_id, m.email])));
    } catch (error) {
      report(error);
    }
  }

  /** The members, each with their role and a Remove button; what the signed-in person (``acting``,
   * their role) may not change is disabled with the reason as its title, as the API would refuse it. */
  showMembers(members, acting = document.body.dataset.role) {
    const owners = members.filter((m) => m.role === "owner").length;
    clear($("#member-list")).append(...members.map((m) => {
      const why = memberLocked(m, owners, acting);
      const role = h("select", { "aria-label": `Role of ${m.email}`, dataset: { userId: m.user_id } },
        ROLES.map((r) => h("option", { value: r, selected: r === m.role, disabled: r === "owner" && acting !== "owner" }, r)));
      role.addEventListener("change", () => this.change(m, role.value));
      const remove = h("button", { type: "button", class: "btn ghost small", onclick: () => this.remove(m) }, "Remove");
      for (const control of [role, remove]) {
        control.disabled = Boolean(why);
        if (why) control.title = why;
      }
      return h("li", { class: "account", dataset: { userId: m.user_id, role: m.role } },
        h("b", {}, m.display_name || m.email), h("span", { class: "muted small" }, m.email), role, remove);
    }));
  }

  /** The audit log; a member named by their email (``emails``: user id -> email), the id kept in its title. */
  showLog(events, emails = new Map()) {
    const named = (id) => emails.get(id) || id;
    clear($("#audit-list")).append(...events.map((e) => h("li", { class: "post", dataset: { action: e.action } },
      h("span", { class: "muted small mono" }, new Date(e.at).toLocaleString()),
      h("span", { class: "pill" }, e.action),
      h("span", { class: "small mono", title: e.actor.id }, `${e.actor.type} ${e.actor.type === "user" ? named(e.actor.id) : e.actor.id}`),
      e.target ? h("span", { class: "small mono muted", title: e.target }, `→ ${named(e.target)}`) : null)));
  }

  async change(member, role) {
    try {
      await api(`/v1/members/${encodeURIComponent(member.user_id)}`, { method: "PATCH", json: { role } });
    } catch (error) {
      report(error);
    }
    await this.load();
  }

  async remove(member) {
    if (!confirm(`Remove ${member.email} from this workspace?`)) return;
    try {
      await api(`/v1/members/${encodeURIComponent(member.user_id)}`, { method: "DELETE" });
    } catch (error) {
      report(error);
    }
    await this.load();
  }

  async invite(event) {
    event.preventDefault();
    const message = $("#invite-message");
    message.className = "small form-message";
    try {
      const made = await api("/v1/invitations", {
        method: "POST", json: { email: $("#invite-email").value.trim(), role: $("#invite-role").value },
      });
      message.textContent = made.sent
        ? `Invitation mailed to ${made.email}.`
        : `No mail could carry it: send ${made.email} this link yourself (it works once): ${made.link}`;
      $("#invite-email").value = "";
      await this.load();
    } catch (error) {
      message.className = "small form-message form-error";
      message.textContent = error.message;
    }
  }
}

/** Joins with the invitation in the address (#invitation=...): resolves with the new member. */
export function join(token, name, password) {
  return api(`/v1/invitations/${encodeURIComponent(token)}/accept`, {
    method: "POST", json: { display_name: name, password },
  });
}
