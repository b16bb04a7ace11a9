import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * data_location.s3_allow_insecure_http: an S3 endpoint over plain http (credentials and bytes in clear) only
 * where the location says so. Locations that already use one keep working (set true here); the next
 * `topology apply` of a file that does not say `allowInsecureHttp: true` is refused. Expand-only.
 */
export class S3InsecureHttp1795587000000 implements MigrationInterface {
  name = 'S3InsecureHttp1795587000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "data_location" ADD "s3_allow_insecure_http" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `UPDATE "data_location" SET "s3_allow_insecure_http" = true WHERE "s3_endpoint" ILIKE 'http://%'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_location" DROP COLUMN "s3_allow_insecure_http"`);
  }
}
