import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pipeline_hour: the hourly rollup the console's charts are drawn from, one row per hour holding the last
 * sample taken in it (src/operations/history), and the sample before its first as its base: what was made safe
 * in the hour is the safe total of its last sample less that of its base. Reading a week is 168 rows at
 * any size of the catalogue.
 * Expand-only: a new table, written by the managers of this release only.
 */
export class PipelineHours1795583000000 implements MigrationInterface {
  name = 'PipelineHours1795583000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "pipeline_hour" ("hour" TIMESTAMP WITH TIME ZONE NOT NULL,
         "sampled_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         "files_total" bigint NOT NULL, "bytes_total" bigint NOT NULL,
         "backlog_files" bigint NOT NULL, "backlog_bytes" bigint NOT NULL,
         "base_at" TIMESTAMP WITH TIME ZONE NOT NULL, "base_files_safe" bigint NOT NULL, "base_bytes_safe" bigint NOT NULL,
         CONSTRAINT "PK_pipeline_hour" PRIMARY KEY ("hour"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pipeline_hour"`);
  }
}
