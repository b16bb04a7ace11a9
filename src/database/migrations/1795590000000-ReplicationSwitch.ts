import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * replication_switch: the operators' pause of archive-to-archive replication, per destination site or for
 * all (`*`), with who changed it, when and why; and an index of completed archive transfers by time, for
 * the bytes replication brought to each site in the last hour (its progress and ETA). Expand-only.
 */
export class ReplicationSwitch1795590000000 implements MigrationInterface {
  name = 'ReplicationSwitch1795590000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "replication_switch" ("scope" text NOT NULL, "paused" boolean NOT NULL DEFAULT false, "reason" text, "changed_by" text NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_d826ab06445efad07cb796db76e" PRIMARY KEY ("scope"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_long_term_archive_transfer_completed" ON "long_term_archive_transfer" ("updated_at") WHERE status = 'completed'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_long_term_archive_transfer_completed"`);
    await queryRunner.query(`DROP TABLE "replication_switch"`);
  }
}
