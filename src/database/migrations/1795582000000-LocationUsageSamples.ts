import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * location_usage_sample: the disk measurements of the last days (location_usage keeps only the latest), so
 * that the `disk_full_soon` alert can see how fast a SOURCE or BUFFER location fills. Kept for 7 days by
 * the monitoring processor. Expand-only: a new table.
 */
export class LocationUsageSamples1795582000000 implements MigrationInterface {
  name = 'LocationUsageSamples1795582000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "location_usage_sample" ("location_id" integer NOT NULL REFERENCES "data_location"("id") ON DELETE CASCADE,
         "measured_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_bytes" bigint NOT NULL, "total_bytes" bigint NOT NULL,
         CONSTRAINT "PK_location_usage_sample" PRIMARY KEY ("location_id", "measured_at"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "location_usage_sample"`);
  }
}
