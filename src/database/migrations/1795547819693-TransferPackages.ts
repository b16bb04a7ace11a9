import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stage 2: data transfer packages (bundles of raw data package tars at a buffer), the bundle a raw package
 * travels in, and physical copies of bundles. Generated from the entities, then split (the enum value
 * has its own migration) and completed with the two copy constraints, whose expressions changed.
 */
export class TransferPackages1795547819693 implements MigrationInterface {
  name = 'TransferPackages1795547819693';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "data_transfer_package" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "relative_path" text NOT NULL, "origin_location_id" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "size" bigint NOT NULL DEFAULT '0', "sha256" character(64), "package_count" integer NOT NULL DEFAULT '0', "retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_fb2a1dcb0a7a56675d068ddc487" UNIQUE ("name"), CONSTRAINT "ck_data_transfer_package_sha256" CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "PK_d94018ba0eb8b6259858ec00889" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_data_transfer_package_open_work" ON "data_transfer_package" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_package" ADD "data_transfer_package_id" uuid`);
    await queryRunner.query(`ALTER TABLE "physical_copy" ADD "data_transfer_package_id" uuid`);
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_bundle" ON "raw_data_package" ("data_transfer_package_id") WHERE data_transfer_package_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_physical_copy_live_transfer_package" ON "physical_copy" ("data_transfer_package_id", "location_id") WHERE data_transfer_package_id IS NOT NULL AND status <> 'deleted'`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD CONSTRAINT "FK_d17eda7897d45823b0c70282b9f" FOREIGN KEY ("data_transfer_package_id") REFERENCES "data_transfer_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_package" ADD CONSTRAINT "FK_203db8b0ce42ec876625fb6a953" FOREIGN KEY ("origin_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "FK_a4f49e57ebe115c9bfd63da2bcf" FOREIGN KEY ("data_transfer_package_id") REFERENCES "data_transfer_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "ck_physical_copy_one_subject"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "ck_physical_copy_kind"`);
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "ck_physical_copy_one_subject" CHECK (num_nonnulls(raw_data_file_id, raw_data_package_id, data_transfer_package_id) = 1)`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "ck_physical_copy_kind" CHECK ((kind = 'raw_data_file') = (raw_data_file_id IS NOT NULL) AND (kind = 'raw_data_package') = (raw_data_package_id IS NOT NULL) AND (kind = 'data_transfer_package') = (data_transfer_package_id IS NOT NULL))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Copies of bundles are refused by the restored constraints; they may only exist in a database that
    // is being thrown away, since the trigger forbids deleting copies. Refuse rather than lose history.
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "ck_physical_copy_kind"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "ck_physical_copy_one_subject"`);
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "ck_physical_copy_one_subject" CHECK (num_nonnulls(raw_data_file_id, raw_data_package_id) = 1)`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "ck_physical_copy_kind" CHECK ((kind = 'raw_data_file') = (raw_data_file_id IS NOT NULL) AND (kind = 'raw_data_package') = (raw_data_package_id IS NOT NULL))`,
    );
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "FK_a4f49e57ebe115c9bfd63da2bcf"`);
    await queryRunner.query(
      `ALTER TABLE "data_transfer_package" DROP CONSTRAINT "FK_203db8b0ce42ec876625fb6a953"`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" DROP CONSTRAINT "FK_d17eda7897d45823b0c70282b9f"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_physical_copy_live_transfer_package"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_bundle"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP COLUMN "data_transfer_package_id"`);
    await queryRunner.query(`ALTER TABLE "raw_data_package" DROP COLUMN "data_transfer_package_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_data_transfer_package_open_work"`);
    await queryRunner.query(`DROP TABLE "data_transfer_package"`);
  }
}
