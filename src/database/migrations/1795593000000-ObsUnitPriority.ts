import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Urgent data first (issue 20, item 6):
 * - executed_obs_unit.priority (`normal` or `high`), with a partial index on the urgent units, which every
 *   manager's cycle compares its work with;
 * - obs_unit_priority_change: the append-only trail of who gave a unit which priority, when, from what.
 * Expand-only: the previous release's api inserts units without a priority (normal), and its managers and
 * workers never read it.
 */
export class ObsUnitPriority1795593000000 implements MigrationInterface {
  name = 'ObsUnitPriority1795593000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "obs_unit_priority" AS ENUM ('normal', 'high')`);
    await queryRunner.query(
      `ALTER TABLE "executed_obs_unit" ADD "priority" "obs_unit_priority" NOT NULL DEFAULT 'normal'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_executed_obs_unit_urgent" ON "executed_obs_unit" ("id") WHERE priority = 'high'`,
    );
    await queryRunner.query(
      `CREATE TABLE "obs_unit_priority_change" ("id" BIGSERIAL NOT NULL,
         "executed_obs_unit_id" uuid NOT NULL REFERENCES "executed_obs_unit"("id") ON DELETE RESTRICT,
         "from_priority" "obs_unit_priority", "to_priority" "obs_unit_priority" NOT NULL,
         "actor" text NOT NULL, "reason" text,
         "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_obs_unit_priority_change" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_obs_unit_priority_change_unit" ON "obs_unit_priority_change" ("executed_obs_unit_id", "id")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION obs_unit_priority_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'obs_unit_priority_change is append-only: % refused', TG_OP; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER obs_unit_priority_change_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON obs_unit_priority_change
      FOR EACH STATEMENT EXECUTE FUNCTION obs_unit_priority_change_append_only()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "obs_unit_priority_change"`);
    await queryRunner.query(`DROP FUNCTION obs_unit_priority_change_append_only()`);
    await queryRunner.query(`DROP INDEX "public"."ix_executed_obs_unit_urgent"`);
    await queryRunner.query(`ALTER TABLE "executed_obs_unit" DROP COLUMN "priority"`);
    await queryRunner.query(`DROP TYPE "obs_unit_priority"`);
  }
}
