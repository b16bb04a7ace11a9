import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MODULES, Unit } from './run-pipeline';

/**
 * The pipeline's byte work for one night done by hand with shell tools, as the yardstick: hash every file;
 * tar each package and hash it; tar the packages into a bundle and hash it; then for each of the two
 * archive sites copy the bundle into its buffer and hash it, unpack it and hash every package and every
 * file inside, and (with `archiveByCopy`) copy the packages into a directory standing for the archive and
 * hash them; flush it all to disk. No database, no queues, no network, nothing run in parallel that the
 * shell would not. Returns the seconds, and leaves the shell's work in `<base>/shell` for the caller to
 * finish (sdk-baseline.ts) or remove.
 */
export function runShellSteps(
  base: string,
  units: Unit[],
  archiveByCopy: boolean,
): { seconds: number; dir: string } {
  const packages = units.flatMap((u) => MODULES.map((m) => ({ unit: u.id, module: m })));
  const shell = join(base, 'shell');
  const site = (name: string) => [
    `mkdir -p ${shell}/${name}/buffer ${shell}/${name}/lta`,
    `cp ${shell}/ccat/bundle.tar ${shell}/${name}/buffer/ && sha256sum ${shell}/${name}/buffer/bundle.tar > /dev/null`,
    `(cd ${shell}/${name}/buffer && tar xf bundle.tar && sha256sum p*.tar > /dev/null && for p in p*.tar; do tar xOf $p | sha256sum > /dev/null; done)`,
    ...(archiveByCopy
      ? [
          `cp ${shell}/${name}/buffer/p*.tar ${shell}/${name}/lta/ && sha256sum ${shell}/${name}/lta/*.tar > /dev/null`,
        ]
      : []),
  ];
  const script = [
    'set -e',
    `mkdir -p ${shell}/ccat`,
    `cd ${join(base, 'ccat', 'telescope_computer')}`,
    `test "$(find . -type f -name '*.fits' | wc -l)" -eq ${units.reduce((n, u) => n + u.files.length, 0)}`,
    'find . -type f -name "*.fits" -print0 | xargs -0 sha256sum > /dev/null',
    ...packages.map(
      (p, i) =>
        `tar cf ${shell}/ccat/p${i}.tar primecam/${p.unit}/${p.module} && sha256sum ${shell}/ccat/p${i}.tar > /dev/null`,
    ),
    `(cd ${shell}/ccat && tar cf bundle.tar p*.tar && sha256sum bundle.tar > /dev/null)`,
    ...site('cologne'),
    ...site('us'),
    'sync',
  ].join('\n');
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('shell baseline failed');
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, dir: shell };
}

/** The shell-only yardstick: the archive is a directory and a `cp`. */
export function shellBaseline(base: string, units: Unit[]): number {
  const { seconds, dir } = runShellSteps(base, units, true);
  // The shell's copies go, so that they take no room from the pipeline that runs next.
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}
