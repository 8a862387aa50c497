-- Issue 53: invitations into a workspace, and the audit log of who did what in it.
--
-- An invitation is a single-use link (only its SHA-256 kept) that makes its holder a member with
-- the role the admin chose, within a week. The person who opens it signs up with a password (or,
-- when their email already has an account, proves it with theirs); accept_invitation runs before
-- any tenant is known, so it is an owner function, as signing in is (0019).
CREATE TABLE IF NOT EXISTS invitations (
    token_hash   bytea PRIMARY KEY,
    invitation_id text NOT NULL UNIQUE CHECK (invitation_id ~ '^inv_[0-9a-f]{32}$'),
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    email        text NOT NULL CHECK (email = lower(email)),
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    invited_by   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz
);
CREATE INDEX IF NOT EXISTS invitations_by_tenant ON invitations (tenant_id, created_at DESC);

-- Who did what: appended by the API (and the operator's commands), never changed.
CREATE TABLE IF NOT EXISTS audit_events (
    event_id    bigserial PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'key', 'operator', 'invitation')),
    actor_id    text NOT NULL,
    action      text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target      text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS audit_events_by_tenant ON audit_events (tenant_id, event_id DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invitations', 'audit_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true))'
            ' WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO clipstream_app;
GRANT SELECT, INSERT ON audit_events TO clipstream_app;  -- appended, never changed
GRANT USAGE ON SEQUENCE audit_events_event_id_seq TO clipstream_app;

-- An invitation taken (once, while fresh): the member it makes. A new person gets p_password_hash;
-- an existing one (p_existing_user, whose password the API has checked) keeps theirs. NULL when
-- the link is unknown, used or expired, or names another email than the existing person's.
CREATE OR REPLACE FUNCTION accept_invitation(p_hash bytea, p_display_name text, p_password_hash text,
                                             p_existing_user text)
RETURNS TABLE (user_id text, tenant_id text, role text, email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE inv invitations%ROWTYPE;
DECLARE member text;
BEGIN
    UPDATE invitations i SET accepted_at = now()
    WHERE i.token_hash = p_hash AND i.accepted_at IS NULL AND i.expires_at > now()
    RETURNING * INTO inv;
    IF inv.token_hash IS NULL THEN
        RETURN;
    END IF;
    SELECT u.user_id INTO member FROM users u WHERE u.email = inv.email;
    IF member IS NULL THEN
        INSERT INTO users (user_id, email, display_name, password_hash)
        VALUES ('usr_' || replace(gen_random_uuid()::text, '-', ''), inv.email, p_display_name, p_password_hash)
        RETURNING users.user_id INTO member;
    ELSIF p_existing_user IS DISTINCT FROM member THEN
        RAISE EXCEPTION 'invitation_email_mismatch' USING ERRCODE = 'P0001';
    END IF;
    INSERT INTO memberships (tenant_id, user_id, role) VALUES (inv.tenant_id, member, inv.role)
    ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE SET role = EXCLUDED.role;
    INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target, detail)
    VALUES (inv.tenant_id, 'invitation', inv.invitation_id, 'member.joined', member,
            jsonb_build_object('email', inv.email, 'role', inv.role, 'invited_by', inv.invited_by));
    RETURN QUERY SELECT member, inv.tenant_id, inv.role, inv.email;
END $$;

-- Which email an invitation link is for (to ask an existing person for their password first).
CREATE OR REPLACE FUNCTION invitation_email(p_hash bytea)
RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT email FROM invitations WHERE token_hash = p_hash AND accepted_at IS NULL AND expires_at > now()
$$;

REVOKE ALL ON FUNCTION accept_invitation(bytea, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accept_invitation(bytea, text, text, text) TO clipstream_app;
REVOKE ALL ON FUNCTION invitation_email(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION invitation_email(bytea) TO clipstream_app;

-- A member's own key does no more than their role allows now (a viewer's admin key reads).
CREATE OR REPLACE FUNCTION authenticate_key(p_key_id text)
RETURNS TABLE (tenant_id text, scope text, secret_hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT k.tenant_id,
           CASE WHEN k.user_id IS NULL THEN k.scope
                WHEN m.role = 'viewer' OR k.scope = 'read' THEN 'read'
                WHEN m.role = 'editor' OR k.scope = 'write' THEN 'write'
                ELSE 'admin' END,
           k.secret_hash
    FROM api_keys k LEFT JOIN memberships m ON m.user_id = k.user_id AND m.tenant_id = k.tenant_id
    WHERE k.key_id = p_key_id AND k.revoked_at IS NULL AND (k.user_id IS NULL OR m.user_id IS NOT NULL)
$$;
