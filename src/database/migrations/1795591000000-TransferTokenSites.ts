import { MigrationInterface, QueryRunner } from 'typeorm';

/** api_token.site: the site a transfer token pulls for (null: any, as before). Expand-only. */
export class TransferTokenSites1795591000000 implements MigrationInterface {
  name = 'TransferTokenSites1795591000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" ADD "site" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" DROP COLUMN "site"`);
  }
}
