import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One definition of "safe" (src/catalog/physical-copies/package-safety.ts):
 * - raw_data_package.lta_site_count now counts only the archive *sites* holding a PRESENT copy with the
 *   package's own SHA-256 (it counted copies in any live status); recounted here by that definition.
 * - physical_copy.confirmed_at: when the archive storage itself last showed the copy's object with its
 *   recorded size and SHA-256 (a presence check). The deletion rules want a recent one (or a recent
 *   verified_at) for the archive copies they count before a source or buffer copy goes.
 * - fixity_check.depth: `full` re-hashes the bytes (the audit); `presence` asks the storage for the object's
 *   size and recorded SHA-256 (the deletion's witness), and is not charged to the audit's byte budget.
 * Expand-only: the previous release's workers neither read nor write the new columns.
 */
export class SafeAtSites1795580000000 implements MigrationInterface {
  name = 'SafeAtSites1795580000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "physical_copy" ADD "confirmed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE TYPE "public"."fixity_depth" AS ENUM('full', 'presence')`);
    await queryRunner.query(
      `ALTER TABLE "fixity_check" ADD "depth" "public"."fixity_depth" NOT NULL DEFAULT 'full'`,
    );
    await queryRunner.query(
      `UPDATE raw_data_package p
          SET lta_site_count = (SELECT count(DISTINCT l.site_id) FROM physical_copy a
                                  JOIN data_location l ON l.id = a.location_id
                                 WHERE a.raw_data_package_id = p.id AND a.kind = 'raw_data_package'
                                   AND a.status = 'present' AND a.sha256 = p.sha256
                                   AND l.location_type = 'long_term_archive')
        WHERE p.lta_site_count > 0`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "fixity_check" DROP COLUMN "depth"`);
    await queryRunner.query(`DROP TYPE "public"."fixity_depth"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" DROP COLUMN "confirmed_at"`);
  }
}
