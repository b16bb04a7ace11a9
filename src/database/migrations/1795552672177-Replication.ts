import { MigrationInterface, QueryRunner } from 'typeorm';

export class Replication1795552672177 implements MigrationInterface {
  name = 'Replication1795552672177';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_location" ADD "data_url" text`);
    await queryRunner.query(
      `ALTER TABLE "data_transfer_package" ADD "distributed_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_data_transfer_package_travelling" ON "data_transfer_package" ("updated_at") WHERE status = 'completed' AND distributed_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_data_transfer_package_travelling"`);
    await queryRunner.query(`ALTER TABLE "data_transfer_package" DROP COLUMN "distributed_at"`);
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "data_url"`);
  }
}
