import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consistency check and the fixity audit: copy status `lost`; the live-copy unique indexes leave lost
 * copies out (the copy that replaces one lives beside its record); the lookup of a copy by its path at a
 * location (the check lists storage); the fixity order of present copies, never-checked first; the
 * fixity_check and copy_repair work tables.
 *
 * Outside a transaction: PostgreSQL does not let a transaction use an enum value it added itself, and the
 * new index predicates name `lost`. Every statement is idempotent, so a run cut short is simply re-run.
 * `down` cannot remove the enum value (PostgreSQL has no DROP VALUE); it undoes the rest.
 */
export class IntegrityChecks1795564995880 implements MigrationInterface {
  name = 'IntegrityChecks1795564995880';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE "public"."copy_status" ADD VALUE IF NOT EXISTS 'lost'`);
    for (const [name, column] of [
      ['uq_physical_copy_live_file', 'raw_data_file_id'],
      ['uq_physical_copy_live_package', 'raw_data_package_id'],
      ['uq_physical_copy_live_transfer_package', 'data_transfer_package_id'],
    ]) {
      await queryRunner.query(`DROP INDEX IF EXISTS "public"."${name}"`);
      await queryRunner.query(
        `CREATE UNIQUE INDEX "${name}" ON "physical_copy" ("${column}", "location_id") WHERE ${column} IS NOT NULL AND status NOT IN ('deleted', 'lost')`,
      );
    }
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD IF NOT EXISTS "last_fixity_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_physical_copy_fixity_order" ON "physical_copy" ("location_id", "last_fixity_at" NULLS FIRST, "created_at") WHERE status = 'present'`,
    );
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "copy_repair" ("retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "id" uuid NOT NULL DEFAULT gen_random_uuid(), "lost_copy_id" uuid NOT NULL, "location_id" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "detected_by" text NOT NULL, "loss_reason" text NOT NULL, "source_copy_id" uuid, "new_copy_id" uuid, CONSTRAINT "uq_copy_repair_lost_copy" UNIQUE ("lost_copy_id"), CONSTRAINT "PK_550d2d131143d5268f55eac6306" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_copy_repair_open_work" ON "copy_repair" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "fixity_check" ("retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "id" uuid NOT NULL DEFAULT gen_random_uuid(), "copy_id" uuid NOT NULL, "location_id" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "size" bigint NOT NULL, "checked_at" TIMESTAMP WITH TIME ZONE, "ok" boolean, "size_found" bigint, "sha256_found" character(64), "duration_ms" integer, CONSTRAINT "ck_fixity_check_sha256_found" CHECK (sha256_found IS NULL OR sha256_found ~ '^[0-9a-f]{64}$'), CONSTRAINT "PK_be1d87ed503fbc236cc251a6c39" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_fixity_check_location_created" ON "fixity_check" ("location_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_fixity_check_copy" ON "fixity_check" ("copy_id", "checked_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS "uq_fixity_check_open_copy" ON "fixity_check" ("copy_id") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_fixity_check_open_work" ON "fixity_check" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_physical_copy_location_path" ON "physical_copy" ("location_id", "relative_path") `,
    );
    await queryRunner.query(
      `ALTER TABLE "copy_repair" DROP CONSTRAINT IF EXISTS "FK_1d6c08962af57181f3f92f79f32", ADD CONSTRAINT "FK_1d6c08962af57181f3f92f79f32" FOREIGN KEY ("lost_copy_id") REFERENCES "physical_copy"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "copy_repair" DROP CONSTRAINT IF EXISTS "FK_cd577af4095ce9e9692e867710b", ADD CONSTRAINT "FK_cd577af4095ce9e9692e867710b" FOREIGN KEY ("location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "fixity_check" DROP CONSTRAINT IF EXISTS "FK_894f4944541c39a2ac8e31a6a21", ADD CONSTRAINT "FK_894f4944541c39a2ac8e31a6a21" FOREIGN KEY ("copy_id") REFERENCES "physical_copy"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "fixity_check" DROP CONSTRAINT IF EXISTS "FK_87cbc4f581a46c71dafce2fafb5", ADD CONSTRAINT "FK_87cbc4f581a46c71dafce2fafb5" FOREIGN KEY ("location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "fixity_check"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "copy_repair"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_physical_copy_fixity_order"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_physical_copy_location_path"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP COLUMN IF EXISTS "last_fixity_at"`);
    for (const [name, column] of [
      ['uq_physical_copy_live_file', 'raw_data_file_id'],
      ['uq_physical_copy_live_package', 'raw_data_package_id'],
      ['uq_physical_copy_live_transfer_package', 'data_transfer_package_id'],
    ]) {
      await queryRunner.query(`DROP INDEX IF EXISTS "public"."${name}"`);
      await queryRunner.query(
        `CREATE UNIQUE INDEX "${name}" ON "physical_copy" ("${column}", "location_id") WHERE ${column} IS NOT NULL AND status <> 'deleted'`,
      );
    }
  }
}
