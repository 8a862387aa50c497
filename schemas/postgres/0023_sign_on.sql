-- Issue 53: single sign-on through the team's OpenID provider (streams.people.sign_on).
--
-- A sign-in started here is kept until the provider sends the person back: its state (only its
-- SHA-256), the nonce the ID token must carry and the PKCE verifier, used once within ten
-- minutes. A person the provider has proved is remembered by (issuer, subject), the identity's
-- stable name; the first time, they are matched to the user with the email the provider has
-- verified, or, when there is none but invitations to that email are waiting, made a user with
-- no password and a member of every workspace that invited them. Like signing in with a password
-- (0019), all of it runs before any tenant is known: owner functions over tables the API's role
-- cannot read.
CREATE TABLE IF NOT EXISTS sign_on_requests (
    state_hash     bytea PRIMARY KEY,
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);

CREATE TABLE IF NOT EXISTS user_identities (
    issuer      text NOT NULL,
    subject     text NOT NULL,
    user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX IF NOT EXISTS user_identities_by_user ON user_identities (user_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sign_on_requests', 'user_identities'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (false)', t);
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION begin_sign_on(p_hash bytea, p_nonce text, p_verifier text, p_seconds double precision)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    DELETE FROM sign_on_requests WHERE expires_at < now() - interval '1 day';
    INSERT INTO sign_on_requests (state_hash, nonce, code_verifier, expires_at)
    VALUES (p_hash, p_nonce, p_verifier, now() + make_interval(secs => p_seconds))
$$;

-- The sign-in a state names, taken once while fresh; nothing otherwise.
CREATE OR REPLACE FUNCTION take_sign_on(p_hash bytea)
RETURNS TABLE (nonce text, code_verifier text)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE sign_on_requests r SET used_at = now()
    WHERE r.state_hash = p_hash AND r.used_at IS NULL AND r.expires_at > now()
    RETURNING r.nonce, r.code_verifier
$$;

-- The user an identity proves: the one it signed in as before; else, the first time, the user with
-- the verified email (p_email is NULL when the provider has not verified it), or one made for it
-- when invitations to that email are waiting (each taken, recorded in its workspace's audit log).
-- NULL when the person is not known here.
CREATE OR REPLACE FUNCTION sign_on_user(p_issuer text, p_subject text, p_email text, p_display_name text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE found_user text;
BEGIN
    SELECT i.user_id INTO found_user FROM user_identities i WHERE i.issuer = p_issuer AND i.subject = p_subject;
    IF found_user IS NOT NULL OR p_email IS NULL THEN
        RETURN found_user;
    END IF;
    SELECT u.user_id INTO found_user FROM users u WHERE u.email = lower(p_email);
    IF found_user IS NULL THEN
        IF NOT EXISTS (SELECT 1 FROM invitations v
                       WHERE v.email = lower(p_email) AND v.accepted_at IS NULL AND v.expires_at > now()) THEN
            RETURN NULL;
        END IF;
        INSERT INTO users (user_id, email, display_name, password_hash)
        VALUES ('usr_' || replace(gen_random_uuid()::text, '-', ''), lower(p_email), left(p_display_name, 200), NULL)
        RETURNING users.user_id INTO found_user;
        WITH taken AS (
            UPDATE invitations v SET accepted_at = now()
            WHERE v.email = lower(p_email) AND v.accepted_at IS NULL AND v.expires_at > now()
            RETURNING v.*
        ), latest AS (  -- two invitations to one workspace: the newer one's role
            SELECT DISTINCT ON (tenant_id) * FROM taken ORDER BY tenant_id, created_at DESC
        ), joined AS (
            INSERT INTO memberships (tenant_id, user_id, role)
            SELECT l.tenant_id, found_user, l.role FROM latest l
            ON CONFLICT ON CONSTRAINT memberships_pkey DO UPDATE SET role = EXCLUDED.role
        )
        INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target, detail)
        SELECT l.tenant_id, 'invitation', l.invitation_id, 'member.joined', found_user,
               jsonb_build_object('email', l.email, 'role', l.role, 'invited_by', l.invited_by, 'via', 'sign_on')
        FROM latest l;
    END IF;
    INSERT INTO user_identities (issuer, subject, user_id) VALUES (p_issuer, p_subject, found_user)
    ON CONFLICT DO NOTHING;
    RETURN found_user;
END $$;

-- A user's email and name, for the session's answer (the API's role reads no users row it could
-- not otherwise name).
CREATE OR REPLACE FUNCTION sign_on_profile(p_user_id text)
RETURNS TABLE (email text, display_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT u.email, u.display_name FROM users u WHERE u.user_id = p_user_id
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'begin_sign_on(bytea, text, text, double precision)', 'take_sign_on(bytea)',
        'sign_on_user(text, text, text, text)', 'sign_on_profile(text)'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO clipstream_app', f);
    END LOOP;
END $$;

-- Who made each API key (issue 53: a key belongs to a member or is the workspace's service key,
-- and shows who made it): `user:<user_id>`, `key:<key_id>` or `operator`; empty for keys made
-- before this was kept.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS created_by text NOT NULL DEFAULT '';
