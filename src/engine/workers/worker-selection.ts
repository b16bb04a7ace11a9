import { QUEUE_OPERATIONS_BY_LOCATION_TYPE } from '../queues/operation-type';
import { QueueDescriptor } from '../queues/queue-descriptor';
import { locationKey, queueName } from '../queues/queue-name';
import { WorkerOptions } from './worker-options';

type QueueFacts = Pick<QueueDescriptor, 'name' | 'site' | 'location' | 'locationKey' | 'operation'>;

/**
 * Whether this worker binds a queue. `--site` and `--locations` say where (either one is enough, as
 * before); `--queues` and `--operations` narrow that down, so `--site ccat --operations deletion` is ccat's
 * deletion queues and `--operations deletion` alone every location's. Each option given must let the queue
 * through.
 */
export function selectsQueue(options: WorkerOptions, queue: QueueFacts): boolean {
  const scoped = Boolean(options.site || options.locations);
  const inScope =
    !scoped || queue.site === options.site || (options.locations?.includes(queue.locationKey) ?? false);
  return (
    inScope &&
    (!options.queues || options.queues.includes(queue.name)) &&
    (!options.operations || options.operations.includes(queue.operation))
  );
}

/**
 * Whether this worker stands for a location towards the other sites (its data port serves that buffer or
 * archive): when it would bind at least one of the location's queues.
 */
export function selectsLocation(options: WorkerOptions, queues: QueueFacts[]): boolean {
  return queues.some((q) => selectsQueue(options, q));
}

export interface SelectionCheck {
  /** Names in --queues that are no queue of any location, active or not (a typo, a location never made). */
  unknown: string[];
  /** Names in --queues of real queues that --site, --locations or --operations leave out. */
  excluded: string[];
  /** Names in --queues of inactive locations' queues: bound once their location is active. */
  inactiveQueues: string[];
  /** Locations in --locations that are not active (or not there yet): bound once they are. */
  inactiveLocations: string[];
}

/**
 * `--queues` checked against every queue the locations have (`every`, inactive ones too) and those of the
 * active ones (`active`). Unknown and excluded names are refused; inactive ones are waited for.
 */
export function checkSelection(
  options: WorkerOptions,
  every: QueueDescriptor[],
  active: QueueDescriptor[],
): SelectionCheck {
  const byName = new Map(every.map((q) => [q.name, q]));
  const activeNames = new Set(active.map((q) => q.name));
  const activeLocations = new Set(active.map((q) => q.locationKey));
  const named = options.queues ?? [];
  const selected = (n: string) => byName.has(n) && selectsQueue(options, byName.get(n)!);
  return {
    unknown: named.filter((n) => !byName.has(n)),
    excluded: named.filter((n) => byName.has(n) && !selected(n)),
    inactiveQueues: named.filter((n) => selected(n) && !activeNames.has(n)),
    inactiveLocations: (options.locations ?? []).filter((l) => !activeLocations.has(l)),
  };
}

/** Every queue a location of this type at this site has: for `selectsLocation`. */
export function queuesOfLocation(site: string, location: string, type: QueueDescriptor['locationType']) {
  return QUEUE_OPERATIONS_BY_LOCATION_TYPE[type].map((operation) => ({
    name: queueName(site, location, operation),
    site,
    location,
    locationKey: locationKey(site, location),
    operation,
  }));
}
