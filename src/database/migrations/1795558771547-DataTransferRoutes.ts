import { MigrationInterface, QueryRunner } from 'typeorm';

export class DataTransferRoutes1795558771547 implements MigrationInterface {
  name = 'DataTransferRoutes1795558771547';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."route_type" AS ENUM('direct', 'relay', 'custom')`);
    await queryRunner.query(
      `CREATE TABLE "data_transfer_route" ("id" SERIAL NOT NULL, "route_type" "public"."route_type" NOT NULL, "from_site_id" integer, "to_site_id" integer, "via_site_id" integer, "from_location_id" integer, "to_location_id" integer, "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_data_transfer_route_custom" CHECK (route_type <> 'custom' OR (from_location_id IS NOT NULL AND to_location_id IS NOT NULL)), CONSTRAINT "ck_data_transfer_route_relay" CHECK (route_type <> 'relay' OR (from_site_id IS NOT NULL AND to_site_id IS NOT NULL AND via_site_id IS NOT NULL)), CONSTRAINT "ck_data_transfer_route_direct" CHECK (route_type <> 'direct' OR (from_site_id IS NOT NULL AND to_site_id IS NOT NULL)), CONSTRAINT "PK_cb02dcdc807e48455bc612dab77" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" ADD CONSTRAINT "FK_20ef878d40ef0c92854c9b9cff1" FOREIGN KEY ("from_site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" ADD CONSTRAINT "FK_5f236937e9d75831a1cca8c8e5c" FOREIGN KEY ("to_site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" ADD CONSTRAINT "FK_27c1110e1e9694266547a072572" FOREIGN KEY ("via_site_id") REFERENCES "site"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" ADD CONSTRAINT "FK_6fafb80677f5ebebdf26be70468" FOREIGN KEY ("from_location_id") REFERENCES "data_location"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" ADD CONSTRAINT "FK_b85ede85827fe19c47ac653db9c" FOREIGN KEY ("to_location_id") REFERENCES "data_location"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" DROP CONSTRAINT "FK_b85ede85827fe19c47ac653db9c"`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" DROP CONSTRAINT "FK_6fafb80677f5ebebdf26be70468"`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" DROP CONSTRAINT "FK_27c1110e1e9694266547a072572"`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" DROP CONSTRAINT "FK_5f236937e9d75831a1cca8c8e5c"`,
    );
    await queryRunner.query(
      `ALTER TABLE "data_transfer_route" DROP CONSTRAINT "FK_20ef878d40ef0c92854c9b9cff1"`,
    );
    await queryRunner.query(`DROP TABLE "data_transfer_route"`);
    await queryRunner.query(`DROP TYPE "public"."route_type"`);
  }
}
