import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * data_location.draining (an active location that takes no new work while its workers carry on what is
 * there) and archive_role (each `mirror` archive of a site gets its own copy; `failover` archives share
 * one copy per site, at the first that takes it). Expand-only: every location keeps what it did.
 */
export class LocationModes1795592500000 implements MigrationInterface {
  name = 'LocationModes1795592500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_location" ADD "draining" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`CREATE TYPE "archive_role" AS ENUM ('mirror', 'failover')`);
    await queryRunner.query(
      `ALTER TABLE "data_location" ADD "archive_role" "archive_role" NOT NULL DEFAULT 'mirror'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "archive_role"`);
    await queryRunner.query(`DROP TYPE "archive_role"`);
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "draining"`);
  }
}
