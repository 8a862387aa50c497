-- What the pipeline produces for a video: media facts, transcript chunks, moments and clips.
-- Every row has a deterministic key, so a redelivered event rewrites the same row and never
-- adds a second one.

ALTER TABLE videos
    ADD COLUMN duration      double precision,
    ADD COLUMN width         integer,
    ADD COLUMN height        integer,
    ADD COLUMN has_video     boolean,
    ADD COLUMN chunk_count   integer,        -- known once ingest has cut the last chunk
    ADD COLUMN finished_at   timestamptz;

ALTER TABLE video_stages
    ADD COLUMN error_code    text,
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now();

-- One row per transcribed audio chunk; words and segments carry absolute video times.
CREATE TABLE transcript_chunks (
    video_id     text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    chunk_index  integer NOT NULL CHECK (chunk_index >= 0),
    start_s      double precision NOT NULL,
    end_s        double precision NOT NULL,
    language     text NOT NULL,
    words        jsonb NOT NULL,   -- [{word, start, end, probability}]
    segments     jsonb NOT NULL,   -- [{text, start, end}]
    energy       real[] NOT NULL DEFAULT '{}',  -- audio RMS per 0.5 s from start_s (for moment scoring)
    event_id     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, chunk_index)
);

-- Moments picked for rendering. rank is provisional (order found) until the final ranking.
CREATE TABLE moments (
    video_id     text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    moment_id    text NOT NULL,
    start_s      double precision NOT NULL,
    end_s        double precision NOT NULL CHECK (end_s > start_s),
    score        real NOT NULL CHECK (score >= 0 AND score <= 100),
    signals      jsonb NOT NULL,
    reason       text NOT NULL,
    title        text NOT NULL,
    rank         integer,
    is_final     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, moment_id)
);

-- One row per rendered clip; clip_id is derived from (video, moment, aspect).
CREATE TABLE clips (
    clip_id       text PRIMARY KEY,
    video_id      text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
    moment_id     text NOT NULL,
    aspect        text NOT NULL,
    start_s       double precision NOT NULL,
    end_s         double precision NOT NULL,
    duration      double precision NOT NULL,
    width         integer NOT NULL,
    height        integer NOT NULL,
    mp4_uri       text NOT NULL,
    srt_uri       text NOT NULL,
    vtt_uri       text NOT NULL,
    thumbnail_uri text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (video_id, moment_id, aspect)
);
CREATE INDEX clips_video ON clips (video_id);
