import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The managers (issue: queues, workers and managers): a record of every manager cycle, and the source
 * location of each raw data package, which decides the SOURCE queue that packages it.
 */

export class ManagersAndPackageSource1795543420915 implements MigrationInterface {
  name = 'ManagersAndPackageSource1795543420915';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "manager_cycle" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "kind" text NOT NULL, "process" text NOT NULL, "outcome" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), "finished_at" TIMESTAMP WITH TIME ZONE, "summary" jsonb, "error" text, CONSTRAINT "ck_manager_cycle_outcome" CHECK (outcome IN ('running', 'completed', 'failed', 'skipped')), CONSTRAINT "PK_5a3d86010fbfdbe9f7f6a3adfc7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_manager_cycle_kind_started" ON "manager_cycle" ("kind", "started_at") `,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_package" ADD "source_location_id" integer NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD CONSTRAINT "FK_2ded2a298f2bf708645aa4657aa" FOREIGN KEY ("source_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" DROP CONSTRAINT "FK_2ded2a298f2bf708645aa4657aa"`,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_package" DROP COLUMN "source_location_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_manager_cycle_kind_started"`);
    await queryRunner.query(`DROP TABLE "manager_cycle"`);
  }
}
