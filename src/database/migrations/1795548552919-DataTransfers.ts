import { MigrationInterface, QueryRunner } from 'typeorm';

/** Stage 3: one data transfer per bundle and destination, with transfer and unpack tracked apart. */

export class DataTransfers1795548552919 implements MigrationInterface {
  name = 'DataTransfers1795548552919';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "data_transfer" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "data_transfer_package_id" uuid NOT NULL, "origin_location_id" integer NOT NULL, "destination_location_id" integer NOT NULL, "method" text NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "unpack_status" "public"."operation_status" NOT NULL DEFAULT 'pending', "bytes_transferred" bigint NOT NULL DEFAULT '0', "retry_count" integer NOT NULL DEFAULT '0', "unpack_retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_data_transfer_destination" UNIQUE ("data_transfer_package_id", "destination_location_id"), CONSTRAINT "ck_data_transfer_method" CHECK (method IN ('local', 'http')), CONSTRAINT "PK_762e2ba09b3a733985df161fdc6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_data_transfer_open_work" ON "data_transfer" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer" ADD CONSTRAINT "FK_8d6779f40715431ba58485f5db5" FOREIGN KEY ("data_transfer_package_id") REFERENCES "data_transfer_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer" ADD CONSTRAINT "FK_0b065f4dabd98c6a12b666c3d4f" FOREIGN KEY ("origin_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer" ADD CONSTRAINT "FK_4453afaf8d3a704027eacaf036d" FOREIGN KEY ("destination_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_transfer" DROP CONSTRAINT "FK_4453afaf8d3a704027eacaf036d"`);
    await queryRunner.query(`ALTER TABLE "data_transfer" DROP CONSTRAINT "FK_0b065f4dabd98c6a12b666c3d4f"`);
    await queryRunner.query(`ALTER TABLE "data_transfer" DROP CONSTRAINT "FK_8d6779f40715431ba58485f5db5"`);
    await queryRunner.query(`DROP INDEX "public"."ix_data_transfer_open_work"`);
    await queryRunner.query(`DROP TABLE "data_transfer"`);
  }
}
