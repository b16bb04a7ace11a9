import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What ten million files taught (bench/scale at 10M, docs/BENCHMARKS.md):
 * - New copy ids are time-ordered (UUIDv7 layout: 48 bits of milliseconds, then random bits). A random id
 *   lands on a random page of every index that holds it: the copy's primary key, the 2 GB index of its
 *   audit events by copy, and each event's foreign-key check. With ten million copies those pages are no
 *   longer in memory, and a bulk registration of 5,000 files took 2.8 times as long as on an empty
 *   database. Time-ordered ids are written where the last ones were. Existing ids stay as they are; ids
 *   are compared for equality only, never ordered by meaning.
 * - The copies of a bundle by bundle, the deleted ones included (the live ones had a unique index only):
 *   `explain` of an archived file read the whole copy table to find its bundle's copies.
 * - The package copies by creation time: the overview's "archived in the last hour" read every package
 *   copy ever made (two per thousand files) to keep the last hour's.
 * Expand-only: the previous release inserts copies without an id, and gets a time-ordered one.
 */
export class TimeOrderedCopyIds1795585000000 implements MigrationInterface {
  name = 'TimeOrderedCopyIds1795585000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // PostgreSQL 18 has uuidv7(); this is the same layout for the versions before it: the random UUID's
    // first 48 bits replaced by the Unix time in milliseconds, and its version nibble set from 4 to 7.
    await queryRunner.query(`
      CREATE FUNCTION ccat_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
        SELECT encode(
                 set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                         PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                                         FROM 1 FOR 6),
                                 52, 1),
                         53, 1),
                 'hex')::uuid
      $$`);
    await queryRunner.query(`ALTER TABLE "physical_copy" ALTER COLUMN "id" SET DEFAULT ccat_uuid_v7()`);
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_transfer_package" ON "physical_copy" ("data_transfer_package_id") WHERE data_transfer_package_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_physical_copy_package_created" ON "physical_copy" ("created_at") WHERE raw_data_package_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_physical_copy_package_created"`);
    await queryRunner.query(`DROP INDEX "ix_physical_copy_transfer_package"`);
    await queryRunner.query(`ALTER TABLE "physical_copy" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
    await queryRunner.query(`DROP FUNCTION ccat_uuid_v7()`);
  }
}
