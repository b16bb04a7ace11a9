import { parseArgs } from 'node:util';

export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');

/**
 * What this worker process serves: the queues of one site's locations (`--site ccat`), of named locations
 * (`--locations ccat_buffer,cologne_lta`), and/or the managers (`--role managers`).
 */
export interface WorkerOptions {
  site?: string;
  locations?: string[];
  managers: boolean;
}

export function parseWorkerArgs(argv: string[]): WorkerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      site: { type: 'string' },
      locations: { type: 'string' },
      role: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const roles = new Set(values.role ?? []);
  const unknownRoles = [...roles].filter((r) => r !== 'managers' && r !== 'locations');
  if (unknownRoles.length)
    throw new Error(`--role must be managers or locations, got ${unknownRoles.join(', ')}`);
  const locations = values.locations
    ?.split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
  const options: WorkerOptions = {
    site: values.site?.trim().toLowerCase(),
    locations: locations?.length ? locations : undefined,
    managers: roles.has('managers'),
  };
  if (!options.site && !options.locations && !options.managers) {
    throw new Error('say what to serve: --site <short name>, --locations a,b and/or --role managers');
  }
  return options;
}

export function describeWorker(options: WorkerOptions): string {
  return [
    options.site && `site ${options.site}`,
    options.locations && `locations ${options.locations.join(',')}`,
    options.managers && 'managers',
  ]
    .filter(Boolean)
    .join(' + ');
}
