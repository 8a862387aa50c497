-- The audit log is written after the action it records, by tenant id alone; a tenant's log may
-- outlive the tenant (kept for whoever audits a deletion), so it names the tenant without a
-- foreign key. It stays under the same row-level security.
ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_tenant_id_fkey;
