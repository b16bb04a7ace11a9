import { MigrationInterface, QueryRunner } from 'typeorm';

export class LocationUsage1795557983579 implements MigrationInterface {
  name = 'LocationUsage1795557983579';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "location_usage" ("location_id" integer NOT NULL, "total_bytes" bigint, "free_bytes" bigint, "copies_bytes" bigint NOT NULL, "copies" integer NOT NULL, "measured_at" TIMESTAMP WITH TIME ZONE NOT NULL, "measured_by" text NOT NULL, CONSTRAINT "PK_5414507ef65ad48c46ea37b38d3" PRIMARY KEY ("location_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "location_usage" ADD CONSTRAINT "FK_5414507ef65ad48c46ea37b38d3" FOREIGN KEY ("location_id") REFERENCES "data_location"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "location_usage" DROP CONSTRAINT "FK_5414507ef65ad48c46ea37b38d3"`);
    await queryRunner.query(`DROP TABLE "location_usage"`);
  }
}
