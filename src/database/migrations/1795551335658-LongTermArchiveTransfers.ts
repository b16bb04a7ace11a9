import { MigrationInterface, QueryRunner } from 'typeorm';

export class LongTermArchiveTransfers1795551335658 implements MigrationInterface {
  name = 'LongTermArchiveTransfers1795551335658';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "long_term_archive_transfer" ("retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "id" uuid NOT NULL DEFAULT gen_random_uuid(), "raw_data_package_id" uuid NOT NULL, "origin_location_id" integer NOT NULL, "destination_location_id" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "bytes_transferred" bigint NOT NULL DEFAULT '0', "sidecar_size" integer, "sidecar_sha256" character(64), CONSTRAINT "uq_long_term_archive_transfer_destination" UNIQUE ("raw_data_package_id", "destination_location_id"), CONSTRAINT "ck_long_term_archive_transfer_sidecar_sha256" CHECK (sidecar_sha256 IS NULL OR sidecar_sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "PK_2ded5e77755ebf33179e0095904" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_long_term_archive_transfer_open_work" ON "long_term_archive_transfer" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD "lta_site_count" integer NOT NULL DEFAULT '0'`,
    );
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" ADD CONSTRAINT "FK_00084d5e490248529aa5bd74b6a" FOREIGN KEY ("raw_data_package_id") REFERENCES "raw_data_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" ADD CONSTRAINT "FK_d4625f28e186e45f804976dc554" FOREIGN KEY ("origin_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" ADD CONSTRAINT "FK_cbc86ba8285472d8400fa9ca71d" FOREIGN KEY ("destination_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" DROP CONSTRAINT "FK_cbc86ba8285472d8400fa9ca71d"`,
    );
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" DROP CONSTRAINT "FK_d4625f28e186e45f804976dc554"`,
    );
    await queryRunner.query(
      `ALTER TABLE "long_term_archive_transfer" DROP CONSTRAINT "FK_00084d5e490248529aa5bd74b6a"`,
    );
    await queryRunner.query(`ALTER TABLE "raw_data_package" DROP COLUMN "lta_site_count"`);
    await queryRunner.query(`DROP INDEX "public"."ix_long_term_archive_transfer_open_work"`);
    await queryRunner.query(`DROP TABLE "long_term_archive_transfer"`);
  }
}
