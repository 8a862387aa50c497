-- Issue 53: people. A user (email, display name, an Argon2id password hash) is a member of
-- workspaces (tenants) with a role: owner, admin, editor or viewer (streams.people.roles maps each
-- onto the key scopes routes declare). The web page signs in into a server-side session, named by
-- an HttpOnly cookie whose SHA-256 alone is kept here.
--
-- Signing in runs before any tenant is known, so the API's role reaches users, failures, sessions
-- and reset links only through the SECURITY DEFINER functions below (as keys are authenticated,
-- 0004); their tables carry row-level security like every other, and a member's row is visible
-- under the tenant it belongs to.
CREATE TABLE IF NOT EXISTS users (
    user_id        text PRIMARY KEY CHECK (user_id ~ '^usr_[0-9a-f]{32}$'),
    email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320
                                        AND position('@' IN email) > 1),
    display_name   text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_email ON users (email);

CREATE TABLE IF NOT EXISTS memberships (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX IF NOT EXISTS memberships_by_user ON memberships (user_id);

-- A session: one signed-in browser in one workspace. Ends at sign-out (ended_at), after
-- idle_seconds without a request, or at expires_at whatever happens.
CREATE TABLE IF NOT EXISTS sessions (
    session_hash  bytea PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    idle_seconds  double precision NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ended_at      timestamptz
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);

-- Failed sign-ins by email, for throttling (kept a day).
CREATE TABLE IF NOT EXISTS sign_in_failures (
    email      text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sign_in_failures_by_email ON sign_in_failures (email, failed_at);

-- One-time password reset links (their SHA-256).
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- An API key may belong to a member: it stops working when its member leaves the workspace.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS user_id text REFERENCES users (user_id) ON DELETE CASCADE;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at timestamptz;

CREATE OR REPLACE FUNCTION authenticate_key(p_key_id text)
RETURNS TABLE (tenant_id text, scope text, secret_hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.tenant_id, k.scope, k.secret_hash FROM api_keys k
    WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
      AND (k.user_id IS NULL
           OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = k.user_id AND m.tenant_id = k.tenant_id))
$$;

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON memberships;
CREATE POLICY tenant_isolation ON memberships USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON sessions;
CREATE POLICY tenant_isolation ON sessions USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
-- A user is visible under a workspace they are a member of (memberships is itself filtered).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON users;
CREATE POLICY tenant_isolation ON users USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.user_id));
-- Reached only through the functions below: no row is visible to the API's role.
ALTER TABLE sign_in_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_failures FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON sign_in_failures;
CREATE POLICY tenant_isolation ON sign_in_failures USING (false);
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON password_resets;
CREATE POLICY tenant_isolation ON password_resets USING (false);

GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, sessions TO clipstream_app;
GRANT SELECT ON users TO clipstream_app;

-- Sign-in: the user an email names, their password hash and the failures within the window.
CREATE OR REPLACE FUNCTION sign_in_user(p_email text, p_window_seconds double precision)
RETURNS TABLE (user_id text, password_hash text, display_name text, failures bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT u.user_id, u.password_hash, u.display_name,
           (SELECT count(*) FROM sign_in_failures f
            WHERE f.email = lower(p_email) AND f.failed_at > now() - make_interval(secs => p_window_seconds))
    FROM (SELECT lower(p_email) AS email) asked LEFT JOIN users u ON u.email = asked.email
$$;

CREATE OR REPLACE FUNCTION record_sign_in_failure(p_email text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM sign_in_failures WHERE failed_at < now() - interval '1 day';
    INSERT INTO sign_in_failures (email) VALUES (lower(p_email));
$$;

CREATE OR REPLACE FUNCTION clear_sign_in_failures(p_email text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM sign_in_failures WHERE email = lower(p_email);
$$;

CREATE OR REPLACE FUNCTION user_workspaces(p_user_id text)
RETURNS TABLE (tenant_id text, name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.tenant_id, t.name, m.role FROM memberships m JOIN tenants t USING (tenant_id)
    WHERE m.user_id = p_user_id ORDER BY m.created_at, t.tenant_id
$$;

CREATE OR REPLACE FUNCTION open_session(p_hash bytea, p_user_id text, p_tenant_id text, p_csrf text,
                                        p_idle_seconds double precision, p_absolute_seconds double precision)
RETURNS timestamptz LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM sessions WHERE expires_at < now() - interval '1 day';
    INSERT INTO sessions (session_hash, user_id, tenant_id, csrf_token, idle_seconds, expires_at)
    SELECT p_hash, p_user_id, p_tenant_id, p_csrf, p_idle_seconds, now() + make_interval(secs => p_absolute_seconds)
    WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = p_user_id AND m.tenant_id = p_tenant_id)
    RETURNING expires_at
$$;

-- The live session a cookie names, its member's role now, and its last use recorded (at most
-- once a minute). Nothing for a session ended, expired, idle too long, or whose member left.
CREATE OR REPLACE FUNCTION session_principal(p_hash bytea)
RETURNS TABLE (user_id text, tenant_id text, role text, csrf_token text, expires_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH live AS (
        SELECT s.* FROM sessions s
        WHERE s.session_hash = p_hash AND s.ended_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(secs => s.idle_seconds)
    ), touched AS (
        UPDATE sessions s SET last_seen_at = now() FROM live
        WHERE s.session_hash = live.session_hash AND s.last_seen_at < now() - interval '1 minute'
    )
    SELECT live.user_id, live.tenant_id, m.role, live.csrf_token, live.expires_at
    FROM live JOIN memberships m ON m.user_id = live.user_id AND m.tenant_id = live.tenant_id
$$;

CREATE OR REPLACE FUNCTION end_session(p_hash bytea)
RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE sessions SET ended_at = now() WHERE session_hash = p_hash AND ended_at IS NULL RETURNING true
$$;

-- A reset link used: the user it was for, once, while fresh; their password replaced and every
-- session of theirs ended.
CREATE OR REPLACE FUNCTION use_password_reset(p_hash bytea, p_password_hash text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE found_user text;
BEGIN
    UPDATE password_resets SET used_at = now()
    WHERE token_hash = p_hash AND used_at IS NULL AND expires_at > now()
    RETURNING user_id INTO found_user;
    IF found_user IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE users SET password_hash = p_password_hash WHERE user_id = found_user;
    UPDATE sessions SET ended_at = now() WHERE user_id = found_user AND ended_at IS NULL;
    DELETE FROM sign_in_failures WHERE email = (SELECT email FROM users WHERE user_id = found_user);
    RETURN found_user;
END $$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'sign_in_user(text, double precision)', 'record_sign_in_failure(text)', 'clear_sign_in_failures(text)',
        'user_workspaces(text)', 'open_session(bytea, text, text, text, double precision, double precision)',
        'session_principal(bytea)', 'end_session(bytea)', 'use_password_reset(bytea, text)'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO clipstream_app', f);
    END LOOP;
END $$;
