-- Issue 54: usage, counted once, and each workspace's plan.
--
-- usage_records is the ledger: one row per thing counted, keyed by what it counts (a completed
-- video's source seconds by its video, a rendered clip by its clip, a published post by its post),
-- written by triggers on the rows whose change is the fact itself: a video's move to 'completed'
-- (once: the update is guarded), a clip's first insert, a post's move to 'published'. A message
-- redelivered after a crash or a rebalance repeats a change that is no longer one, and the primary
-- key refuses a second row whatever happens; a failed video adds nothing. Each row names the API key
-- (or the person) the video was submitted with, and its day.
ALTER TABLE videos ADD COLUMN IF NOT EXISTS submitted_by text;
-- What a video in flight holds against its workspace's monthly minutes until its duration is read
-- (its probed length at submission; 0 when no minutes quota applied).
ALTER TABLE videos ADD COLUMN IF NOT EXISTS reserved_seconds double precision NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS usage_records (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('source_seconds', 'clips_rendered', 'posts_published')),
    subject      text NOT NULL,
    quantity     double precision NOT NULL CHECK (quantity >= 0),
    submitted_by text,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, subject)
);
CREATE INDEX IF NOT EXISTS usage_records_by_time ON usage_records (tenant_id, recorded_at);

-- A workspace's own plan; a workspace without a row has the server's (CLIPSTREAM_PLAN_*). NULL: no limit.
CREATE TABLE IF NOT EXISTS workspace_plans (
    tenant_id                 text PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    name                      text NOT NULL DEFAULT 'custom' CHECK (length(name) BETWEEN 1 AND 100),
    source_minutes_per_month  double precision CHECK (source_minutes_per_month >= 0),
    concurrent_videos         integer CHECK (concurrent_videos >= 0),
    max_source_minutes        double precision CHECK (max_source_minutes >= 0),
    storage_gb                double precision CHECK (storage_gb >= 0),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- Storage held: what a workspace's objects hold together, measured by the worker (once an hour;
-- the day's last measure stays), one row a workspace a day.
CREATE TABLE IF NOT EXISTS storage_snapshots (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    day          date NOT NULL,
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    measured_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['usage_records', 'workspace_plans', 'storage_snapshots'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_setting(''app.tenant_id'', true))'
            ' WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    END LOOP;
END $$;
GRANT SELECT ON usage_records TO clipstream_app;  -- written by the triggers below only
GRANT SELECT ON workspace_plans TO clipstream_app;  -- set by the operator
GRANT SELECT ON storage_snapshots TO clipstream_app;  -- measured by the worker

-- The triggers write under the row's own tenant whoever made the change (SECURITY DEFINER).
CREATE OR REPLACE FUNCTION count_completed_video() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_records (tenant_id, kind, subject, quantity, submitted_by)
    VALUES (NEW.tenant_id, 'source_seconds', NEW.video_id, GREATEST(coalesce(NEW.duration, 0), 0), NEW.submitted_by)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS usage_of_completed_videos ON videos;
CREATE TRIGGER usage_of_completed_videos AFTER UPDATE OF status ON videos
    FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
    EXECUTE FUNCTION count_completed_video();

CREATE OR REPLACE FUNCTION count_rendered_clip() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_records (tenant_id, kind, subject, quantity, submitted_by)
    SELECT v.tenant_id, 'clips_rendered', NEW.clip_id, 1, v.submitted_by FROM videos v WHERE v.video_id = NEW.video_id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS usage_of_rendered_clips ON clips;
CREATE TRIGGER usage_of_rendered_clips AFTER INSERT ON clips
    FOR EACH ROW EXECUTE FUNCTION count_rendered_clip();

CREATE OR REPLACE FUNCTION count_published_post() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO usage_records (tenant_id, kind, subject, quantity, submitted_by)
    VALUES (NEW.tenant_id, 'posts_published', NEW.post_id, 1, NULL)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS usage_of_published_posts ON posts;
CREATE TRIGGER usage_of_published_posts AFTER UPDATE OF status ON posts
    FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
    EXECUTE FUNCTION count_published_post();
