import { MigrationInterface, QueryRunner } from 'typeorm';

/** api_token.instruments / sources: what an ingest token may register for (null: anything). Expand-only. */
export class IngestTokenBindings1795589000000 implements MigrationInterface {
  name = 'IngestTokenBindings1795589000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" ADD "instruments" text array`);
    await queryRunner.query(`ALTER TABLE "api_token" ADD "sources" text array`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_token" DROP COLUMN "sources"`);
    await queryRunner.query(`ALTER TABLE "api_token" DROP COLUMN "instruments"`);
  }
}
