-- The audit log is append-only, enforced by the database: no UPDATE, DELETE
-- or TRUNCATE gets through, whichever code path or role the application
-- uses. Only someone able to alter the table itself (a database superuser
-- or its owner disabling the trigger) can tamper, and the hash chain makes
-- that visible to `gov audit verify`.
CREATE OR REPLACE FUNCTION gov_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION gov_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION gov_audit_log_append_only();
