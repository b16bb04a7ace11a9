import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's way out for a file that changed at the source (`ccat-dt file accept|withdraw`):
 * - raw_data_file.withdrawn_at / withdrawn_reason: a withdrawn file is in no package, is never packed,
 *   counted, or deleted by the pipeline; the partial index of unpackaged files leaves it out.
 * - raw_data_file_event: the append-only trail of both actions, with the registration before and after.
 * - raw_data_file_totals follows a change of size (accept) or a withdrawal, not only inserts and deletes.
 * Expand-only for the previous release's workers: they never set withdrawn_at, and their packaging query
 * (unpackaged files) still finds what it found, less the withdrawn files, which they never see.
 */
export class FileAcceptWithdraw1795584000000 implements MigrationInterface {
  name = 'FileAcceptWithdraw1795584000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "raw_data_file" ADD "withdrawn_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" ADD "withdrawn_reason" text`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_unpackaged"`);
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_unpackaged" ON "raw_data_file" ("executed_obs_unit_id", "created_at")
        WHERE raw_data_package_id IS NULL AND withdrawn_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "raw_data_file_event" ("id" BIGSERIAL NOT NULL,
         "raw_data_file_id" uuid NOT NULL REFERENCES "raw_data_file"("id") ON DELETE RESTRICT,
         "action" text NOT NULL CONSTRAINT "ck_raw_data_file_event_action" CHECK (action IN ('accepted', 'withdrawn')),
         "actor" text NOT NULL, "reason" text NOT NULL,
         "old_size" bigint NOT NULL, "old_sha256" character(64) NOT NULL,
         "new_size" bigint, "new_sha256" character(64),
         "raw_data_package_id" uuid,
         "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_raw_data_file_event" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_event_file" ON "raw_data_file_event" ("raw_data_file_id", "id")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION raw_data_file_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'raw_data_file_event is append-only: % refused', TG_OP; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER raw_data_file_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON raw_data_file_event
      FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_event_append_only()`);
    // Totals count the files not withdrawn; only an UPDATE naming size or withdrawn_at changes them.
    await queryRunner.query(`
      CREATE FUNCTION raw_data_file_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO raw_data_file_totals AS t (shard, files, bytes)
        SELECT pg_backend_pid() % 16,
               count(*) FILTER (WHERE n.withdrawn_at IS NULL) - count(*) FILTER (WHERE o.withdrawn_at IS NULL),
               coalesce(sum(n.size) FILTER (WHERE n.withdrawn_at IS NULL), 0)
                 - coalesce(sum(o.size) FILTER (WHERE o.withdrawn_at IS NULL), 0)
          FROM new_rows n JOIN old_rows o ON o.id = n.id
        HAVING count(*) > 0
        ON CONFLICT (shard) DO UPDATE SET files = t.files + excluded.files, bytes = t.bytes + excluded.bytes;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER raw_data_file_totals_update AFTER UPDATE ON raw_data_file
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_totals_update()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER raw_data_file_totals_update ON raw_data_file`);
    await queryRunner.query(`DROP FUNCTION raw_data_file_totals_update()`);
    await queryRunner.query(`DROP TABLE "raw_data_file_event"`);
    await queryRunner.query(`DROP FUNCTION raw_data_file_event_append_only()`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_unpackaged"`);
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_unpackaged" ON "raw_data_file" ("executed_obs_unit_id", "created_at") WHERE raw_data_package_id IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP COLUMN "withdrawn_reason"`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP COLUMN "withdrawn_at"`);
  }
}
