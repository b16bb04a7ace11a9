import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1795557301898 implements MigrationInterface {
  name = 'Alerts1795557301898';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alert" ("key" text NOT NULL, "kind" text NOT NULL, "severity" text NOT NULL, "message" text NOT NULL, "details" jsonb NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "notified_at" TIMESTAMP WITH TIME ZONE, "resolved_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_4a5777a64b528de23f81b333173" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_alert_open" ON "alert" ("resolved_at") WHERE resolved_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_alert_open"`);
    await queryRunner.query(`DROP TABLE "alert"`);
  }
}
