import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * location_copy_totals: the live copies at each location by status, with their bytes, kept by statement
 * triggers on physical_copy, so that `ccat-dt status`, the overview and the monitoring read a few rows per
 * location instead of every live copy (at ten million files, 145,000 of them and 90-100 ms). Each
 * statement adds its new rows and subtracts its old ones, per (location, status); DELETED copies are not
 * kept. Rows are spread by backend (pid % 16) so that concurrent writers rarely meet on one row, and each
 * statement writes its rows in one order, so that two that do meet wait instead of deadlocking.
 * Expand-only: the previous release's writes go through the same triggers.
 */
export class LocationCopyTotals1795586000000 implements MigrationInterface {
  name = 'LocationCopyTotals1795586000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "location_copy_totals" ("location_id" integer NOT NULL, "status" "public"."copy_status" NOT NULL, "shard" smallint NOT NULL, "copies" bigint NOT NULL, "bytes" bigint NOT NULL, CONSTRAINT "PK_location_copy_totals" PRIMARY KEY ("location_id", "status", "shard"))`,
    );
    await queryRunner.query(`
      CREATE FUNCTION location_copy_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO location_copy_totals AS t (location_id, status, shard, copies, bytes)
          SELECT location_id, status, pg_backend_pid() % 16, count(*), coalesce(sum(size), 0)
            FROM new_rows WHERE status <> 'deleted' GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (location_id, status, shard)
          DO UPDATE SET copies = t.copies + excluded.copies, bytes = t.bytes + excluded.bytes;
        ELSE
          -- Only the rows whose location, status or size changed move a total.
          INSERT INTO location_copy_totals AS t (location_id, status, shard, copies, bytes)
          SELECT location_id, status, pg_backend_pid() % 16, sum(d_copies), sum(d_bytes)
            FROM (SELECT n.location_id, n.status, 1 AS d_copies, n.size AS d_bytes
                    FROM new_rows n JOIN old_rows o ON o.id = n.id
                   WHERE (n.location_id, n.status, n.size) IS DISTINCT FROM (o.location_id, o.status, o.size)
                  UNION ALL
                  SELECT o.location_id, o.status, -1, -o.size
                    FROM new_rows n JOIN old_rows o ON o.id = n.id
                   WHERE (n.location_id, n.status, n.size) IS DISTINCT FROM (o.location_id, o.status, o.size)) d
           WHERE status <> 'deleted'
           GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (location_id, status, shard)
          DO UPDATE SET copies = t.copies + excluded.copies, bytes = t.bytes + excluded.bytes;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER location_copy_totals_insert AFTER INSERT ON physical_copy
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION location_copy_totals_change()`);
    await queryRunner.query(`
      CREATE TRIGGER location_copy_totals_update AFTER UPDATE ON physical_copy
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION location_copy_totals_change()`);
    // Copies are never deleted (physical_copy_no_delete), so no DELETE trigger is needed.
    await queryRunner.query(
      `INSERT INTO location_copy_totals (location_id, status, shard, copies, bytes)
       SELECT location_id, status, 0, count(*), coalesce(sum(size), 0) FROM physical_copy
        WHERE status <> 'deleted' GROUP BY 1, 2`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER location_copy_totals_update ON physical_copy`);
    await queryRunner.query(`DROP TRIGGER location_copy_totals_insert ON physical_copy`);
    await queryRunner.query(`DROP FUNCTION location_copy_totals_change()`);
    await queryRunner.query(`DROP TABLE "location_copy_totals"`);
  }
}
