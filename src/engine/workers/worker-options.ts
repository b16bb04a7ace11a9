import { parseArgs } from 'node:util';
import { OperationType } from '../queues/operation-type';

export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');

/**
 * What this worker process serves: the queues of one site's locations (`--site ccat`), of named locations
 * (`--locations ccat_buffer,cologne_lta`), named queues (`--queues a,b`), the queues of some operations
 * (`--operations deletion,monitoring`), and/or the managers (`--role managers`). How they combine is
 * `selectsQueue` (worker-selection.ts).
 */
export interface WorkerOptions {
  site?: string;
  locations?: string[];
  queues?: string[];
  operations?: OperationType[];
  managers: boolean;
}

const OPERATIONS = Object.values(OperationType) as string[];

/** `a, B,,c` -> ['a', 'b', 'c']; nothing left -> undefined (as if the option were not given). */
function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  return items?.length ? [...new Set(items)] : undefined;
}

export function parseWorkerArgs(argv: string[]): WorkerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      site: { type: 'string' },
      locations: { type: 'string' },
      queues: { type: 'string' },
      operations: { type: 'string' },
      role: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const roles = new Set(values.role ?? []);
  const unknownRoles = [...roles].filter((r) => r !== 'managers' && r !== 'locations');
  if (unknownRoles.length)
    throw new Error(`--role must be managers or locations, got ${unknownRoles.join(', ')}`);
  // Operations are a fixed set: a misspelt one is refused here, before anything connects.
  const operations = list(values.operations);
  const unknownOperations = operations?.filter((o) => !OPERATIONS.includes(o)) ?? [];
  if (unknownOperations.length)
    throw new Error(
      `unknown operation${unknownOperations.length > 1 ? 's' : ''} ${unknownOperations.join(', ')} in --operations; ` +
        `the operations are ${OPERATIONS.join(', ')}`,
    );
  const options: WorkerOptions = {
    site: values.site?.trim().toLowerCase() || undefined,
    locations: list(values.locations),
    queues: list(values.queues),
    operations: operations as OperationType[] | undefined,
    managers: roles.has('managers'),
  };
  if (!servesQueues(options) && !options.managers) {
    throw new Error(
      'say what to serve: --site <short name>, --locations a,b, --queues a,b, --operations a,b and/or --role managers',
    );
  }
  return options;
}

/** Whether the process binds location queues at all (or only runs the managers). */
export function servesQueues(options: WorkerOptions): boolean {
  return Boolean(options.site || options.locations || options.queues || options.operations);
}

/** `site ccat + locations cologne_lta`, `site ccat, only operations deletion`, `queues a,b + managers`. */
export function describeWorker(options: WorkerOptions): string {
  const scope = [
    options.site && `site ${options.site}`,
    options.locations && `locations ${options.locations.join(',')}`,
  ]
    .filter(Boolean)
    .join(' + ');
  const only = [
    options.queues && `queues ${options.queues.join(',')}`,
    options.operations && `operations ${options.operations.join(',')}`,
  ]
    .filter(Boolean)
    .join(', ');
  const queues = scope && only ? `${scope}, only ${only}` : scope || only;
  return [queues, options.managers && 'managers'].filter(Boolean).join(' + ');
}
