import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * raw_data_package.source_released_at: archived packages none of whose files is left at SOURCE are marked,
 * so that the deletion manager looks only at the others (its cycle cost followed every archived package
 * and every file still at SOURCE). Existing archived packages are marked here once, by the same test the
 * manager uses: no copy of any of its files at a SOURCE location other than DELETED.
 */
export class SourceReleased1795570103791 implements MigrationInterface {
  name = 'SourceReleased1795570103791';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD "source_released_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `UPDATE raw_data_package p SET source_released_at = now()
        WHERE p.state = 'archived'
          AND NOT EXISTS (SELECT 1 FROM raw_data_file f JOIN physical_copy c ON c.raw_data_file_id = f.id
                            JOIN data_location l ON l.id = c.location_id
                           WHERE f.raw_data_package_id = p.id AND l.location_type = 'source' AND c.status <> 'deleted')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_source_held" ON "raw_data_package" ("updated_at") WHERE state = 'archived' AND source_released_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_source_held"`);
    await queryRunner.query(`ALTER TABLE "raw_data_package" DROP COLUMN "source_released_at"`);
  }
}
