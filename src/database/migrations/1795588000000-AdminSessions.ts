import { MigrationInterface, QueryRunner } from 'typeorm';

/** admin_session: server-side /admin sessions (only the secret's hash); gone with their token. Expand-only. */
export class AdminSessions1795588000000 implements MigrationInterface {
  name = 'AdminSessions1795588000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "admin_session" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "secret_hash" character(64) NOT NULL, "api_token_id" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_admin_session" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_admin_session_secret_hash" ON "admin_session" ("secret_hash")`,
    );
    await queryRunner.query(
      `ALTER TABLE "admin_session" ADD CONSTRAINT "FK_0a76a668423291dedefad83fa29" FOREIGN KEY ("api_token_id") REFERENCES "api_token"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "admin_session"`);
  }
}
