import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeletionSwitch1795555997019 implements MigrationInterface {
  name = 'DeletionSwitch1795555997019';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "deletion_switch" ("id" smallint NOT NULL DEFAULT '1', "paused" boolean NOT NULL DEFAULT false, "reason" text, "changed_by" text, "changed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_deletion_switch_single_row" CHECK (id = 1), CONSTRAINT "PK_de412ba773808c16b68594b9d49" PRIMARY KEY ("id"))`,
    );
    // The one row exists from the start: claims lock it FOR SHARE, which orders them against a pause.
    await queryRunner.query(`INSERT INTO "deletion_switch" ("id", "paused") VALUES (1, false)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "deletion_switch"`);
  }
}
