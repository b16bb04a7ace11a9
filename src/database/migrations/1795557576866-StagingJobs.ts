import { MigrationInterface, QueryRunner } from 'typeorm';

export class StagingJobs1795557576866 implements MigrationInterface {
  name = 'StagingJobs1795557576866';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "staging_job" ("retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "id" uuid NOT NULL DEFAULT gen_random_uuid(), "destination_location_id" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "requested_by" text NOT NULL, "request" jsonb NOT NULL, "files_total" integer NOT NULL DEFAULT '0', "bytes_total" bigint NOT NULL DEFAULT '0', "files_done" integer NOT NULL DEFAULT '0', "bytes_done" bigint NOT NULL DEFAULT '0', "completed_at" TIMESTAMP WITH TIME ZONE, "released_at" TIMESTAMP WITH TIME ZONE, "retain_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b3db2ab2d8c0efbbcf0a7e31ed7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_staging_job_open_work" ON "staging_job" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `CREATE TABLE "staging_job_package" ("staging_job_id" uuid NOT NULL, "raw_data_package_id" uuid NOT NULL, "staged_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_52eea01ce23bf3e113e8a1070fb" PRIMARY KEY ("staging_job_id", "raw_data_package_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "staging_job" ADD CONSTRAINT "FK_e54b7cc4c73eb8bdb15cac2f1b8" FOREIGN KEY ("destination_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "staging_job_package" ADD CONSTRAINT "FK_825e2cbcc17d2164c9e856a97ae" FOREIGN KEY ("staging_job_id") REFERENCES "staging_job"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "staging_job_package" ADD CONSTRAINT "FK_27ea2f8b2a4973de4e641257762" FOREIGN KEY ("raw_data_package_id") REFERENCES "raw_data_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "staging_job_package" DROP CONSTRAINT "FK_27ea2f8b2a4973de4e641257762"`,
    );
    await queryRunner.query(
      `ALTER TABLE "staging_job_package" DROP CONSTRAINT "FK_825e2cbcc17d2164c9e856a97ae"`,
    );
    await queryRunner.query(`ALTER TABLE "staging_job" DROP CONSTRAINT "FK_e54b7cc4c73eb8bdb15cac2f1b8"`);
    await queryRunner.query(`DROP TABLE "staging_job_package"`);
    await queryRunner.query(`DROP INDEX "public"."ix_staging_job_open_work"`);
    await queryRunner.query(`DROP TABLE "staging_job"`);
  }
}
