-- A workspace's storage is measured again when the API deletes a video or a clip of it, so a plan's
-- storage limit sees the room made at once (it was measured by the worker only, once an hour: a
-- creator who deleted a video to upload another was refused for up to an hour). The application
-- role may write its own workspace's measure; row-level security holds it to that tenant.
GRANT INSERT, UPDATE ON storage_snapshots TO clipstream_app;
