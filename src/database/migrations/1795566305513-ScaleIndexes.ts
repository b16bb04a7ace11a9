import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What bench/scale found with a million files of history (docs/BENCHMARKS.md): queries that read the
 * whole history where they want the few live rows. Partial indexes on the live states: packages not yet
 * safe, failed work of each kind (the alerts), staging jobs whose retention will end; the files of an obs
 * unit (explain), a package's files by age, the live copies of a location; and the catalogue's totals kept by triggers (raw_data_file_totals), so the status
 * screen no longer counts every file ever registered.
 */
export class ScaleIndexes1795566305513 implements MigrationInterface {
  name = 'ScaleIndexes1795566305513';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_failed" ON "raw_data_package" ("updated_at") WHERE status = 'failed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_archived_sites" ON "raw_data_package" ("lta_site_count") WHERE state = 'archived'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_not_archived" ON "raw_data_package" ("created_at") WHERE state <> 'archived'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_staging_job_retained" ON "staging_job" ("retain_until") WHERE released_at IS NULL AND retain_until IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_staging_job_failed" ON "staging_job" ("updated_at") WHERE status = 'failed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_long_term_archive_transfer_failed" ON "long_term_archive_transfer" ("updated_at") WHERE status = 'failed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_unit" ON "raw_data_file" ("executed_obs_unit_id", "created_at") `,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_package"`);
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_package" ON "raw_data_file" ("raw_data_package_id", "created_at") WHERE raw_data_package_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_live_location" ON "physical_copy" ("location_id", "status", "size") WHERE status <> 'deleted'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_data_transfer_package_failed" ON "data_transfer_package" ("updated_at") WHERE status = 'failed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_data_transfer_failed" ON "data_transfer" ("updated_at") WHERE status = 'failed' OR unpack_status = 'failed'`,
    );

    await queryRunner.query(
      `CREATE TABLE "raw_data_file_totals" ("shard" smallint NOT NULL, "files" bigint NOT NULL, "bytes" bigint NOT NULL, CONSTRAINT "PK_7b734c2e16ea08b471cd9edf7a9" PRIMARY KEY ("shard"))`,
    );
    // Statement triggers with transition tables: one row change per statement, however many files it
    // registers; the shard is the backend's, so concurrent registrations update different rows.
    await queryRunner.query(`
      CREATE FUNCTION raw_data_file_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          DELETE FROM raw_data_file_totals;
        ELSIF TG_OP = 'INSERT' THEN
          INSERT INTO raw_data_file_totals AS t (shard, files, bytes)
          SELECT pg_backend_pid() % 16, count(*), coalesce(sum(size), 0) FROM new_rows HAVING count(*) > 0
          ON CONFLICT (shard) DO UPDATE SET files = t.files + excluded.files, bytes = t.bytes + excluded.bytes;
        ELSE
          INSERT INTO raw_data_file_totals AS t (shard, files, bytes)
          SELECT pg_backend_pid() % 16, -count(*), -coalesce(sum(size), 0) FROM old_rows HAVING count(*) > 0
          ON CONFLICT (shard) DO UPDATE SET files = t.files + excluded.files, bytes = t.bytes + excluded.bytes;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER raw_data_file_totals_insert AFTER INSERT ON raw_data_file
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_totals_change()`);
    await queryRunner.query(`
      CREATE TRIGGER raw_data_file_totals_delete AFTER DELETE ON raw_data_file
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_totals_change()`);
    await queryRunner.query(`
      CREATE TRIGGER raw_data_file_totals_truncate AFTER TRUNCATE ON raw_data_file
      FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_totals_change()`);
    await queryRunner.query(
      `INSERT INTO raw_data_file_totals (shard, files, bytes) SELECT 0, count(*), coalesce(sum(size), 0) FROM raw_data_file`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER raw_data_file_totals_truncate ON raw_data_file`);
    await queryRunner.query(`DROP TRIGGER raw_data_file_totals_delete ON raw_data_file`);
    await queryRunner.query(`DROP TRIGGER raw_data_file_totals_insert ON raw_data_file`);
    await queryRunner.query(`DROP FUNCTION raw_data_file_totals_change()`);
    await queryRunner.query(`DROP TABLE "raw_data_file_totals"`);
    await queryRunner.query(`DROP INDEX "public"."ix_data_transfer_failed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_data_transfer_package_failed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_live_location"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_package"`);
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_package" ON "raw_data_file" ("raw_data_package_id") WHERE raw_data_package_id IS NOT NULL`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_unit"`);
    await queryRunner.query(`DROP INDEX "public"."ix_long_term_archive_transfer_failed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_staging_job_failed"`);
    await queryRunner.query(`DROP INDEX "public"."ix_staging_job_retained"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_not_archived"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_archived_sites"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_failed"`);
  }
}
