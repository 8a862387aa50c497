"""The people directory behind the local OpenID provider: Hydra's login and consent app.

Ory Hydra speaks OpenID Connect but keeps no people; it sends a browser to a login app of the
deployer's, which checks who it is and tells Hydra through its admin API (``/admin/oauth2/auth/
requests/login/accept``), then to a consent app, which says which scopes and which claims the ID
token carries. In a company that app fronts the staff directory; here it fronts a file of people
(``<data_dir>/directory/people.json``: email, name, an Argon2id hash, whether the email is
verified) that ``add_person`` writes, so the local stack and the tests have a provider with
people in it who are not clipstream's users. Consent is given at once for the scopes asked (the
directory's own client, as a company's IdP does for its first-party apps).

Run: ``python -m streams.stack.directory --port N --admin URL --people FILE`` (``Directory``, a
stack component started with Hydra).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import threading
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from streams.people import passwords
from streams.settings import Settings, project_root
from streams.stack.component import Component
from streams.stack.process import ProcessSpec

_WRITING = threading.Lock()


def people_path(settings: Settings) -> Path:
    return settings.data_dir / "directory" / "people.json"


def _read(path: Path) -> dict[str, dict]:
    try:
        people = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return people if isinstance(people, dict) else {}


def add_person(settings: Settings, email: str, password: str, name: str = "", email_verified: bool = True) -> str:
    """Put a person in the directory (replacing one with that email); their subject at the provider."""
    email = email.strip().lower()
    path = people_path(settings)
    with _WRITING:
        people = _read(path)
        people[email] = {
            "subject": "dir-" + hashlib.sha256(email.encode()).hexdigest()[:24],
            "name": name or email.split("@")[0],
            "password_hash": passwords.hash_password(password),
            "email_verified": email_verified,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(people, f, indent=2)
        os.replace(tmp, path)
    return people[email]["subject"]


def _form(challenge: str, email: str = "", problem: str = "") -> str:
    note = f'<p role="alert">{html.escape(problem)}</p>' if problem else ""
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Directory sign-in</title></head><body>"
        "<h1>Directory sign-in</h1>"
        f"{note}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="login_challenge" value="{html.escape(challenge)}">'
        f'<label>Email <input name="email" type="email" autocomplete="username" value="{html.escape(email)}"></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password"></label>'
        '<button type="submit">Sign in</button></form></body></html>'
    )


def app(admin_url: str, people_file: Path) -> Starlette:
    admin = admin_url.rstrip("/")

    async def call(method: str, path: str, challenge_name: str, challenge: str, body: dict | None = None) -> dict:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.request(
                method, f"{admin}/admin/oauth2/auth/requests/{path}", params={challenge_name: challenge}, json=body
            )
        answer.raise_for_status()
        return answer.json()

    async def login_page(request: Request) -> Response:
        challenge = request.query_params.get("login_challenge", "")
        if not challenge:
            return HTMLResponse("<p>no login_challenge: start signing in from the application</p>", status_code=400)
        asked = await call("GET", "login", "login_challenge", challenge)
        if asked.get("skip"):  # Hydra remembers this browser's person: no form
            done = await call("PUT", "login/accept", "login_challenge", challenge, {"subject": asked["subject"]})
            return RedirectResponse(done["redirect_to"], status_code=302)
        return HTMLResponse(_form(challenge))

    async def login(request: Request) -> Response:
        form = await request.form()
        challenge, email = str(form.get("login_challenge", "")), str(form.get("email", "")).strip().lower()
        person = _read(people_file).get(email)
        if person is None or not passwords.verify(person["password_hash"], str(form.get("password", ""))):
            return HTMLResponse(_form(challenge, email, "Wrong email or password."), status_code=401)
        done = await call("PUT", "login/accept", "login_challenge", challenge, {"subject": person["subject"]})
        return RedirectResponse(done["redirect_to"], status_code=302)

    async def consent(request: Request) -> Response:
        challenge = request.query_params.get("consent_challenge", "")
        asked = await call("GET", "consent", "consent_challenge", challenge)
        found = next(((email, p) for email, p in _read(people_file).items() if p["subject"] == asked["subject"]), None)
        if found is None:
            await call("PUT", "consent/reject", "consent_challenge", challenge, {"error": "access_denied"})
            return HTMLResponse("<p>this person has left the directory</p>", status_code=403)
        email, person = found
        claims = {"email": email, "email_verified": bool(person["email_verified"]), "name": person["name"]}
        done = await call(
            "PUT",
            "consent/accept",
            "consent_challenge",
            challenge,
            {
                "grant_scope": asked.get("requested_scope", []),
                "grant_access_token_audience": asked.get("requested_access_token_audience", []),
                "session": {"id_token": claims},
            },
        )
        return RedirectResponse(done["redirect_to"], status_code=302)

    async def error(request: Request) -> Response:
        text = request.query_params.get("error_description") or request.query_params.get("error", "unknown error")
        return HTMLResponse(f"<p>{html.escape(text)}</p>", status_code=400)

    async def health(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/login", login_page, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/consent", consent, methods=["GET"]),
            Route("/error", error, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


class Directory(Component):
    """The login and consent app, run beside the stack's Hydra."""

    name = "directory"
    ready_timeout = 30.0

    def ports(self) -> list[int]:
        return [self.settings.directory_port]

    def spec(self) -> ProcessSpec:
        import sys

        from streams.stack.hydra import Hydra

        argv = [
            sys.executable,
            "-m",
            "streams.stack.directory",
            "--port",
            str(self.settings.directory_port),
            "--admin",
            Hydra(self.settings).admin_url(),
            "--people",
            str(people_path(self.settings)),
        ]
        return ProcessSpec(argv=argv, log_path=self.log_path, cwd=project_root(), marker=" ".join(argv[1:4]))

    def probe(self) -> bool:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.settings.directory_port}/healthz", timeout=2) as answer:
            return answer.status == 200

    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.settings.directory_port}"


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin", required=True, help="Hydra's admin URL")
    parser.add_argument("--people", type=Path, required=True, help="the directory's people file")
    args = parser.parse_args()
    uvicorn.run(app(args.admin, args.people), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
