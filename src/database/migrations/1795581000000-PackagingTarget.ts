import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * raw_data_package.packaging_location_id: the buffer packaging writes a package's tar to, recorded before
 * the write, so that a retry sent to another buffer removes what the earlier attempt left at the first
 * one instead of leaving an unrecorded tar there. Not backfilled: only packaging reads it, and the next
 * attempt at any package still to be packaged sets it (what an attempt of the previous release left on
 * another buffer is not known). Expand-only: the previous release's workers ignore the column.
 */
export class PackagingTarget1795581000000 implements MigrationInterface {
  name = 'PackagingTarget1795581000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "raw_data_package" ADD "packaging_location_id" integer`);
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD CONSTRAINT "FK_857b5c6face648c56085ee732cb" FOREIGN KEY ("packaging_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" DROP CONSTRAINT "FK_857b5c6face648c56085ee732cb"`,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_package" DROP COLUMN "packaging_location_id"`);
  }
}
