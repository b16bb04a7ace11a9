import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event outbox (src/operations/events, docs/events.md), and the triggers that write `file.failed` rows:
 * work of every kind going FAILED, whichever code path does it (a worker's last attempt, a bundle undone,
 * recovery giving up), records the event in the same transaction, as the audit trail does for copies.
 * Row triggers with a WHEN clause: they cost nothing on the updates that do not fail work.
 * (table, operation as in `ccat-dt reset <operation>`, status column, location column) as in work-kinds.ts.
 */
const FAILING_WORK: [string, string, string, string][] = [
  ['raw_data_package', 'package', 'status', 'source_location_id'],
  ['data_transfer_package', 'bundle', 'status', 'origin_location_id'],
  ['data_transfer', 'transfer', 'status', 'destination_location_id'],
  ['data_transfer', 'unpack', 'unpack_status', 'destination_location_id'],
  ['long_term_archive_transfer', 'archive', 'status', 'destination_location_id'],
  ['staging_job', 'staging', 'status', 'destination_location_id'],
];

export class EventOutbox1795562315922 implements MigrationInterface {
  name = 'EventOutbox1795562315922';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "event_outbox" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" text NOT NULL, "package_ids" uuid array NOT NULL, "location_id" integer NOT NULL, "details" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_event_outbox_type" CHECK (type IN ('file.archived', 'file.staged', 'file.failed')), CONSTRAINT "PK_c8bd4a6797caa3ebad9b40c9813" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_event_outbox_created" ON "event_outbox" ("created_at") `);
    // The packages whose files the failed work concerns: those it was packaging, bundling, moving,
    // archiving, or (staging) had not staged yet. TG_ARGV: operation, location column.
    await queryRunner.query(`
      CREATE FUNCTION event_outbox_work_failed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        work jsonb := to_jsonb(NEW);
        packages uuid[];
      BEGIN
        IF TG_TABLE_NAME = 'raw_data_package' THEN
          packages := ARRAY[NEW.id];
        ELSIF TG_TABLE_NAME = 'long_term_archive_transfer' THEN
          packages := ARRAY[(work ->> 'raw_data_package_id')::uuid];
        ELSIF TG_TABLE_NAME = 'data_transfer_package' THEN
          SELECT array_agg(p.id) INTO packages FROM raw_data_package p WHERE p.data_transfer_package_id = NEW.id;
        ELSIF TG_TABLE_NAME = 'data_transfer' THEN
          SELECT array_agg(p.id) INTO packages FROM raw_data_package p
           WHERE p.data_transfer_package_id = (work ->> 'data_transfer_package_id')::uuid;
        ELSIF TG_TABLE_NAME = 'staging_job' THEN
          SELECT array_agg(jp.raw_data_package_id) INTO packages FROM staging_job_package jp
           WHERE jp.staging_job_id = NEW.id AND jp.staged_at IS NULL;
        END IF;
        IF coalesce(cardinality(packages), 0) > 0 THEN
          INSERT INTO event_outbox (type, package_ids, location_id, details)
          VALUES ('file.failed', packages, (work ->> TG_ARGV[1])::int,
                  jsonb_build_object('operation', TG_ARGV[0], 'workId', NEW.id, 'reason', work ->> 'failure_reason'));
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, operation, status, location] of FAILING_WORK) {
      await queryRunner.query(
        `CREATE TRIGGER event_outbox_${operation}_failed AFTER UPDATE OF ${status} ON ${table} FOR EACH ROW
         WHEN (NEW.${status} = 'failed' AND OLD.${status} IS DISTINCT FROM 'failed')
         EXECUTE FUNCTION event_outbox_work_failed('${operation}', '${location}')`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, operation] of FAILING_WORK)
      await queryRunner.query(`DROP TRIGGER event_outbox_${operation}_failed ON ${table}`);
    await queryRunner.query(`DROP FUNCTION event_outbox_work_failed()`);
    await queryRunner.query(`DROP INDEX "public"."ix_event_outbox_created"`);
    await queryRunner.query(`DROP TABLE "event_outbox"`);
  }
}
