import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ops database of the foundation: observatory hierarchy, sites and locations, obs units, raw files,
 * raw packages, physical copies and their events, and API tokens. Generated from the entities, then read
 * and corrected (one enum type shared by two tables; gen_random_uuid).
 */

export class Initial1795541389379 implements MigrationInterface {
  name = 'Initial1795541389379';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_token" ("id" SERIAL NOT NULL, "name" text NOT NULL, "prefix" text NOT NULL, "token_hash" character(64) NOT NULL, "scopes" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_8b2c31d18cfaa1f93b4c9f142b5" UNIQUE ("name"), CONSTRAINT "UQ_809d53d86ec3feff3e5d3760c30" UNIQUE ("prefix"), CONSTRAINT "PK_d862311c568d175c26f41bc6f98" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "site" ("id" SERIAL NOT NULL, "name" text NOT NULL, "short_name" text NOT NULL, "location" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_9669a09fcc0eb6d2794a658f647" UNIQUE ("name"), CONSTRAINT "UQ_5ddce0bb88d9cebd4afe9b8f5ec" UNIQUE ("short_name"), CONSTRAINT "PK_635c0eeabda8862d5b0237b42b4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."location_type" AS ENUM('source', 'buffer', 'long_term_archive', 'processing')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."storage_type" AS ENUM('disk', 's3', 'tape')`);
    await queryRunner.query(
      `CREATE TABLE "data_location" ("id" SERIAL NOT NULL, "site_id" integer NOT NULL, "name" text NOT NULL, "location_type" "public"."location_type" NOT NULL, "storage_type" "public"."storage_type" NOT NULL, "priority" integer NOT NULL DEFAULT '1', "active" boolean NOT NULL DEFAULT true, "root_path" text, "s3_endpoint" text, "s3_bucket" text, "s3_prefix" text, "s3_region" text, "s3_access_key_env" text, "s3_secret_key_env" text, "disk_usage_threshold_percent" real, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_data_location_site_name" UNIQUE ("site_id", "name"), CONSTRAINT "ck_data_location_threshold" CHECK (disk_usage_threshold_percent IS NULL OR (disk_usage_threshold_percent > 0 AND disk_usage_threshold_percent <= 100)), CONSTRAINT "ck_data_location_s3_bucket" CHECK (storage_type <> 's3' OR s3_bucket IS NOT NULL), CONSTRAINT "ck_data_location_disk_root" CHECK (storage_type <> 'disk' OR root_path IS NOT NULL), CONSTRAINT "PK_6a4744fd4dce0794a27ce4d61c1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "instrument_module" ("id" SERIAL NOT NULL, "name" text NOT NULL, "instrument_id" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_instrument_module_name" UNIQUE ("instrument_id", "name"), CONSTRAINT "PK_fb25e293b85351c3f97252b5346" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "observatory" ("id" SERIAL NOT NULL, "name" text NOT NULL, "description" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_ef0ae5f9e27972c00b9da93361b" UNIQUE ("name"), CONSTRAINT "PK_28d02a8ef2fa81771360e193441" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "telescope" ("id" SERIAL NOT NULL, "name" text NOT NULL, "observatory_id" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_a4fd83bebecb61bacfad8f883c1" UNIQUE ("name"), CONSTRAINT "PK_249930f3d5aac42a6d28da542bc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "instrument" ("id" SERIAL NOT NULL, "name" text NOT NULL, "description" text, "telescope_id" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_efda620b8e7e274a712072e2afb" UNIQUE ("name"), CONSTRAINT "PK_1707dc7e7c2845211b38bef3d29" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "executed_obs_unit" ("id" uuid NOT NULL, "obs_unit" text NOT NULL, "instrument_id" integer NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, "outcome" text, "metadata" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c012b2a2e5a81b0296c08d48f14" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_executed_obs_unit_open" ON "executed_obs_unit" ("started_at") WHERE finished_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."operation_status" AS ENUM('pending', 'scheduled', 'in_progress', 'completed', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."package_state" AS ENUM('waiting', 'transferring', 'archived', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "raw_data_package" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "relative_path" text NOT NULL, "executed_obs_unit_id" uuid NOT NULL, "instrument_module_id" integer NOT NULL, "sequence" integer NOT NULL, "status" "public"."operation_status" NOT NULL DEFAULT 'pending', "state" "public"."package_state" NOT NULL DEFAULT 'waiting', "size" bigint NOT NULL DEFAULT '0', "sha256" character(64), "file_count" integer NOT NULL DEFAULT '0', "retry_count" integer NOT NULL DEFAULT '0', "failure_reason" text, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_2558d85dba537583bc6bf80a31d" UNIQUE ("name"), CONSTRAINT "uq_raw_data_package_slice" UNIQUE ("executed_obs_unit_id", "instrument_module_id", "sequence"), CONSTRAINT "ck_raw_data_package_sha256" CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "PK_1efa47e02865d9b6bf90186d576" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_waiting" ON "raw_data_package" ("created_at") WHERE state = 'waiting' AND status = 'completed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_package_open_work" ON "raw_data_package" ("status", "updated_at") WHERE status IN ('pending', 'scheduled', 'in_progress')`,
    );
    await queryRunner.query(
      `CREATE TABLE "raw_data_file" ("id" uuid NOT NULL, "relative_path" text NOT NULL, "size" bigint NOT NULL, "sha256" character(64) NOT NULL, "executed_obs_unit_id" uuid NOT NULL, "instrument_module_id" integer NOT NULL, "source_location_id" integer NOT NULL, "raw_data_package_id" uuid, "file_created_at" TIMESTAMP WITH TIME ZONE, "file_type" text, "metadata" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_raw_data_file_source_path" UNIQUE ("source_location_id", "relative_path"), CONSTRAINT "ck_raw_data_file_size" CHECK (size >= 0), CONSTRAINT "ck_raw_data_file_sha256" CHECK (sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "PK_7bd1b992840970bb8e1b7eb72bd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_package" ON "raw_data_file" ("raw_data_package_id") WHERE raw_data_package_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_raw_data_file_unpackaged" ON "raw_data_file" ("executed_obs_unit_id", "created_at") WHERE raw_data_package_id IS NULL`,
    );
    await queryRunner.query(`CREATE TYPE "public"."copy_kind" AS ENUM('raw_data_file', 'raw_data_package')`);
    await queryRunner.query(
      `CREATE TYPE "public"."copy_status" AS ENUM('present', 'staged', 'deletion_scheduled', 'deletion_in_progress', 'deletion_possible', 'deleted', 'deletion_failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "physical_copy" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" "public"."copy_kind" NOT NULL, "raw_data_file_id" uuid, "raw_data_package_id" uuid, "location_id" integer NOT NULL, "relative_path" text NOT NULL, "status" "public"."copy_status" NOT NULL, "size" bigint NOT NULL, "sha256" character(64) NOT NULL, "verified_at" TIMESTAMP WITH TIME ZONE NOT NULL, "claimed_by" text, "claimed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_physical_copy_sha256" CHECK (sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "ck_physical_copy_kind" CHECK ((kind = 'raw_data_file') = (raw_data_file_id IS NOT NULL) AND (kind = 'raw_data_package') = (raw_data_package_id IS NOT NULL)), CONSTRAINT "ck_physical_copy_one_subject" CHECK (num_nonnulls(raw_data_file_id, raw_data_package_id) = 1), CONSTRAINT "PK_bb8115935d5cfc7975996e88799" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_package" ON "physical_copy" ("raw_data_package_id") WHERE raw_data_package_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_file" ON "physical_copy" ("raw_data_file_id") WHERE raw_data_file_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_location_status" ON "physical_copy" ("location_id", "status") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_deleting" ON "physical_copy" ("status", "updated_at") WHERE status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible', 'deletion_failed')`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_physical_copy_live_package" ON "physical_copy" ("raw_data_package_id", "location_id") WHERE raw_data_package_id IS NOT NULL AND status <> 'deleted'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_physical_copy_live_file" ON "physical_copy" ("raw_data_file_id", "location_id") WHERE raw_data_file_id IS NOT NULL AND status <> 'deleted'`,
    );
    await queryRunner.query(
      `CREATE TABLE "physical_copy_event" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "physical_copy_id" uuid NOT NULL, "from_status" "public"."copy_status", "to_status" "public"."copy_status" NOT NULL, "actor" text NOT NULL, "reason" text, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b852787cfd902b5db752aa42dfd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_event_copy" ON "physical_copy_event" ("physical_copy_id", "at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "data_location" ADD CONSTRAINT "FK_1f681afe97be83a6a1d934c5de5" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instrument_module" ADD CONSTRAINT "FK_702c72bbf643bc0d312f01fcc71" FOREIGN KEY ("instrument_id") REFERENCES "instrument"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "telescope" ADD CONSTRAINT "FK_04e5ae673d137d54c20af31d9b0" FOREIGN KEY ("observatory_id") REFERENCES "observatory"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instrument" ADD CONSTRAINT "FK_1ab1aff976c71c439445cd3626d" FOREIGN KEY ("telescope_id") REFERENCES "telescope"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "executed_obs_unit" ADD CONSTRAINT "FK_48081a73bbca7b22bdb0bdccc89" FOREIGN KEY ("instrument_id") REFERENCES "instrument"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD CONSTRAINT "FK_991fbc712ff11cacaf250b7bcc3" FOREIGN KEY ("executed_obs_unit_id") REFERENCES "executed_obs_unit"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" ADD CONSTRAINT "FK_9e80c2334cec7486024fa4a1d0b" FOREIGN KEY ("instrument_module_id") REFERENCES "instrument_module"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_file" ADD CONSTRAINT "FK_a8d35012114ccfbbb847915d7da" FOREIGN KEY ("executed_obs_unit_id") REFERENCES "executed_obs_unit"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_file" ADD CONSTRAINT "FK_32d7769bd944a40d0ebfe88c396" FOREIGN KEY ("instrument_module_id") REFERENCES "instrument_module"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_file" ADD CONSTRAINT "FK_1853d173b1d4cabfe64f2e5d3f8" FOREIGN KEY ("source_location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_file" ADD CONSTRAINT "FK_dcde4cf66d07cbbf2b4f0b8fce5" FOREIGN KEY ("raw_data_package_id") REFERENCES "raw_data_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "FK_27e30cfc4f7a1e4569bfe1b11fd" FOREIGN KEY ("raw_data_file_id") REFERENCES "raw_data_file"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "FK_1a94fedc1b52ec3b8996388922e" FOREIGN KEY ("raw_data_package_id") REFERENCES "raw_data_package"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy" ADD CONSTRAINT "FK_ed4be4b78abdfbeb4bf81930abc" FOREIGN KEY ("location_id") REFERENCES "data_location"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "physical_copy_event" ADD CONSTRAINT "FK_d0f67b996a3cd5b9f52556d4399" FOREIGN KEY ("physical_copy_id") REFERENCES "physical_copy"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "physical_copy_event" DROP CONSTRAINT "FK_d0f67b996a3cd5b9f52556d4399"`,
    );
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "FK_ed4be4b78abdfbeb4bf81930abc"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "FK_1a94fedc1b52ec3b8996388922e"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP CONSTRAINT "FK_27e30cfc4f7a1e4569bfe1b11fd"`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP CONSTRAINT "FK_dcde4cf66d07cbbf2b4f0b8fce5"`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP CONSTRAINT "FK_1853d173b1d4cabfe64f2e5d3f8"`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP CONSTRAINT "FK_32d7769bd944a40d0ebfe88c396"`);
    await queryRunner.query(`ALTER TABLE "raw_data_file" DROP CONSTRAINT "FK_a8d35012114ccfbbb847915d7da"`);
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" DROP CONSTRAINT "FK_9e80c2334cec7486024fa4a1d0b"`,
    );
    await queryRunner.query(
      `ALTER TABLE "raw_data_package" DROP CONSTRAINT "FK_991fbc712ff11cacaf250b7bcc3"`,
    );
    await queryRunner.query(
      `ALTER TABLE "executed_obs_unit" DROP CONSTRAINT "FK_48081a73bbca7b22bdb0bdccc89"`,
    );
    await queryRunner.query(`ALTER TABLE "instrument" DROP CONSTRAINT "FK_1ab1aff976c71c439445cd3626d"`);
    await queryRunner.query(`ALTER TABLE "telescope" DROP CONSTRAINT "FK_04e5ae673d137d54c20af31d9b0"`);
    await queryRunner.query(
      `ALTER TABLE "instrument_module" DROP CONSTRAINT "FK_702c72bbf643bc0d312f01fcc71"`,
    );
    await queryRunner.query(`ALTER TABLE "data_location" DROP CONSTRAINT "FK_1f681afe97be83a6a1d934c5de5"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_event_copy"`);
    await queryRunner.query(`DROP TABLE "physical_copy_event"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_file"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_package"`);
    await queryRunner.query(`DROP INDEX "public"."uq_physical_copy_live_file"`);
    await queryRunner.query(`DROP INDEX "public"."uq_physical_copy_live_package"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_deleting"`);
    await queryRunner.query(`DROP INDEX "public"."ix_physical_copy_location_status"`);
    await queryRunner.query(`DROP TABLE "physical_copy"`);
    await queryRunner.query(`DROP TYPE "public"."copy_status"`);
    await queryRunner.query(`DROP TYPE "public"."copy_kind"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_unpackaged"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_file_package"`);
    await queryRunner.query(`DROP TABLE "raw_data_file"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_open_work"`);
    await queryRunner.query(`DROP INDEX "public"."ix_raw_data_package_waiting"`);
    await queryRunner.query(`DROP TABLE "raw_data_package"`);
    await queryRunner.query(`DROP TYPE "public"."package_state"`);
    await queryRunner.query(`DROP TYPE "public"."operation_status"`);
    await queryRunner.query(`DROP INDEX "public"."ix_executed_obs_unit_open"`);
    await queryRunner.query(`DROP TABLE "executed_obs_unit"`);
    await queryRunner.query(`DROP TABLE "instrument"`);
    await queryRunner.query(`DROP TABLE "telescope"`);
    await queryRunner.query(`DROP TABLE "observatory"`);
    await queryRunner.query(`DROP TABLE "instrument_module"`);
    await queryRunner.query(`DROP TABLE "data_location"`);
    await queryRunner.query(`DROP TYPE "public"."storage_type"`);
    await queryRunner.query(`DROP TYPE "public"."location_type"`);
    await queryRunner.query(`DROP TABLE "site"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
  }
}
