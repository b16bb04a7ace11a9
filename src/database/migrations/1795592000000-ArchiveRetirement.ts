import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * data_location.retiring (takes no new copies; its copies are re-homed before it may be emptied) and who
 * asked for it to be emptied, when. Expand-only: both default to what every location was before.
 */
export class ArchiveRetirement1795592000000 implements MigrationInterface {
  name = 'ArchiveRetirement1795592000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_location" ADD "retiring" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `ALTER TABLE "data_location" ADD "emptying_requested_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(`ALTER TABLE "data_location" ADD "emptying_requested_by" text`);
    await queryRunner.query(
      `ALTER TABLE "data_location" ADD CONSTRAINT "ck_data_location_emptying_retiring"
         CHECK (emptying_requested_at IS NULL OR (retiring AND location_type = 'long_term_archive'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "data_location" DROP CONSTRAINT "ck_data_location_emptying_retiring"`,
    );
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "emptying_requested_by"`);
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "emptying_requested_at"`);
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "retiring"`);
  }
}
