import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A physical copy can now be of a data transfer package. The enum value is added in a migration of its
 * own: PostgreSQL lets a new enum value be used only once the transaction that added it has committed.
 */
export class CopyKindTransferPackage1795547819692 implements MigrationInterface {
  name = 'CopyKindTransferPackage1795547819692';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TYPE "public"."copy_kind" ADD VALUE IF NOT EXISTS 'data_transfer_package'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Enum values cannot be dropped: rebuild the type without it (the next migration's down has already
    // removed every copy of that kind and the constraints that name it).
    await queryRunner.query(`ALTER TYPE "public"."copy_kind" RENAME TO "copy_kind_old"`);
    await queryRunner.query(`CREATE TYPE "public"."copy_kind" AS ENUM('raw_data_file', 'raw_data_package')`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "ck_physical_copy_kind"`);
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ALTER COLUMN "kind" TYPE "public"."copy_kind" USING "kind"::"text"::"public"."copy_kind"`,
    );
    await queryRunner.query(`DROP TYPE "public"."copy_kind_old"`);
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "ck_physical_copy_kind" CHECK ((kind = 'raw_data_file') = (raw_data_file_id IS NOT NULL) AND (kind = 'raw_data_package') = (raw_data_package_id IS NOT NULL))`,
    );
  }
}
