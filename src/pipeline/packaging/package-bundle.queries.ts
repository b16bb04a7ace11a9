import { EntityManager } from 'typeorm';
import { transitionRow } from '../../engine/work/transition-row';
import { RawDataPackage } from './raw-data-package.entity';
import { PackageState, packageStateMachine } from './raw-data-package.states';
import { OperationStatus } from '../../engine/work/operation-status';

/*
 * A package's place in a bundle, written only here: bundling takes waiting packages into a bundle and
 * gives them back when the bundle fails. Other stages read through the fragments below.
 */

const S = PackageState;

/**
 * Moves `packageIds` from waiting into bundle `bundleId` (transferring); the WHERE makes sure nothing else
 * moved them since they were read. Returns how many moved.
 */
export async function takeIntoBundle(
  m: EntityManager,
  bundleId: string,
  packageIds: string[],
): Promise<number> {
  packageStateMachine.assertTransition(S.WAITING, S.TRANSFERRING);
  // TypeORM returns [rows, count] for an UPDATE.
  const [, moved] = await m.query(
    `UPDATE raw_data_package SET data_transfer_package_id = $1, state = '${S.TRANSFERRING}', updated_at = now()
      WHERE id = ANY($2::uuid[]) AND state = '${S.WAITING}' AND data_transfer_package_id IS NULL`,
    [bundleId, packageIds],
  );
  return moved;
}

/** Lets the packages of failed bundle `bundleId` wait for another. */
export async function giveBackFromBundle(m: EntityManager, bundleId: string): Promise<void> {
  packageStateMachine.assertTransition(S.TRANSFERRING, S.WAITING);
  await m.query(
    `UPDATE raw_data_package SET state = '${S.WAITING}', data_transfer_package_id = NULL, updated_at = now()
      WHERE data_transfer_package_id = $1 AND state = '${S.TRANSFERRING}'`,
    [bundleId],
  );
}

/** Takes one package out of the bundle being written (its tar there was bad); it waits for another. */
export async function setAsideFromBundle(m: EntityManager, packageId: string): Promise<void> {
  await transitionRow(m, RawDataPackage, packageId, 'state', packageStateMachine, S.WAITING, {
    dataTransferPackageId: null,
  });
}

/** The package is ARCHIVED: an archive holds a verified copy (or the catalogue was rebuilt from one). */
export async function markPackageArchived(m: EntityManager, packageId: string): Promise<void> {
  await transitionRow(m, RawDataPackage, packageId, 'state', packageStateMachine, S.ARCHIVED);
}

/** The packages of bundle `bundle` (SQL for its id), as a FROM item the planner pulls up. */
export const packagesOfBundle = (bundle: string) =>
  `(SELECT * FROM raw_data_package WHERE data_transfer_package_id = ${bundle})`;

/** Packed packages waiting for a bundle, as a FROM item (served by the partial index on waiting packages). */
export const PACKAGES_WAITING_FOR_BUNDLE = `(SELECT * FROM raw_data_package
   WHERE state = '${S.WAITING}' AND status = '${OperationStatus.COMPLETED}' AND data_transfer_package_id IS NULL)`;

/** The bundle package `pkg` (SQL for its id) went into, as a scalar subquery (null before bundling). */
export const bundleOfPackage = (pkg: string) =>
  `(SELECT pb.data_transfer_package_id FROM raw_data_package pb WHERE pb.id = ${pkg})`;

/**
 * The bundles holding packages of the obs units in `units` (SQL for a set of their ids), as a set of ids
 * for `IN` (never null: a null in it would make `x IN` unknown rather than false).
 */
export const bundlesOfObsUnits = (units: string) =>
  `(SELECT bu.data_transfer_package_id FROM raw_data_package bu
     WHERE bu.executed_obs_unit_id IN ${units} AND bu.data_transfer_package_id IS NOT NULL)`;
