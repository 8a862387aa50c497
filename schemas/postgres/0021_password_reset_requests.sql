-- Issue 53: a person who forgot their password asks for a reset link by email. The link is made
-- here (an owner function: no tenant is known) for an email that has an account, at most three
-- an hour; the API answers the same whether or not it has one, and mails the link.
CREATE OR REPLACE FUNCTION request_password_reset(p_email text, p_hash bytea, p_seconds double precision)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE who text;
BEGIN
    SELECT user_id INTO who FROM users WHERE email = lower(p_email);
    IF who IS NULL THEN
        RETURN NULL;
    END IF;
    IF (SELECT count(*) FROM password_resets WHERE user_id = who AND created_at > now() - interval '1 hour') >= 3 THEN
        RETURN NULL;
    END IF;
    INSERT INTO password_resets (token_hash, user_id, expires_at)
    VALUES (p_hash, who, now() + make_interval(secs => p_seconds));
    RETURN who;
END $$;
REVOKE ALL ON FUNCTION request_password_reset(text, bytea, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION request_password_reset(text, bytea, double precision) TO clipstream_app;
