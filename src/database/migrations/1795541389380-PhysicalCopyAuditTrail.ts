import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail is kept by the database, not by the callers' good behaviour: every insert of a physical
 * copy and every change of its status appends a `physical_copy_event`, with the actor and reason that
 * the transaction declared (`set_config('ccat.actor', ..., true)`). A change without a declared actor is
 * refused, and the event table itself refuses updates and deletes. Statement-level triggers with
 * transition tables, so a bulk registration of thousands of copies writes its events in one insert.
 */
export class PhysicalCopyAuditTrail1795541389380 implements MigrationInterface {
  name = 'PhysicalCopyAuditTrail1795541389380';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION ccat_audit_actor() RETURNS text LANGUAGE plpgsql STABLE AS $$
      DECLARE actor text := nullif(current_setting('ccat.actor', true), '');
      BEGIN
        IF actor IS NULL THEN
          RAISE EXCEPTION 'physical_copy changed without an actor: declare one with set_config(''ccat.actor'', <who>, true) in the same transaction';
        END IF;
        RETURN actor;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION physical_copy_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO physical_copy_event (physical_copy_id, from_status, to_status, actor, reason)
        SELECT n.id, NULL, n.status, ccat_audit_actor(), nullif(current_setting('ccat.reason', true), '')
          FROM new_rows n;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION physical_copy_audit_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO physical_copy_event (physical_copy_id, from_status, to_status, actor, reason)
        SELECT n.id, o.status, n.status, ccat_audit_actor(), nullif(current_setting('ccat.reason', true), '')
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.status IS DISTINCT FROM o.status;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER physical_copy_audit_insert AFTER INSERT ON physical_copy
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_audit_insert()`);
    await queryRunner.query(`
      CREATE TRIGGER physical_copy_audit_update AFTER UPDATE ON physical_copy
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_audit_update()`);
    await queryRunner.query(`
      CREATE FUNCTION physical_copy_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'physical_copy_event is append-only: % refused', TG_OP; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER physical_copy_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON physical_copy_event
      FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_event_append_only()`);
    // Deleting a copy row would erase the subject of its history: copies end as status 'deleted' instead.
    await queryRunner.query(`
      CREATE FUNCTION physical_copy_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'physical_copy rows are never deleted: set status deleted instead (% refused)', TG_OP; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER physical_copy_no_delete BEFORE DELETE OR TRUNCATE ON physical_copy
      FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_no_delete()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER physical_copy_no_delete ON physical_copy`);
    await queryRunner.query(`DROP FUNCTION physical_copy_no_delete()`);
    await queryRunner.query(`DROP TRIGGER physical_copy_event_append_only ON physical_copy_event`);
    await queryRunner.query(`DROP FUNCTION physical_copy_event_append_only()`);
    await queryRunner.query(`DROP TRIGGER physical_copy_audit_update ON physical_copy`);
    await queryRunner.query(`DROP TRIGGER physical_copy_audit_insert ON physical_copy`);
    await queryRunner.query(`DROP FUNCTION physical_copy_audit_update()`);
    await queryRunner.query(`DROP FUNCTION physical_copy_audit_insert()`);
    await queryRunner.query(`DROP FUNCTION ccat_audit_actor()`);
  }
}
