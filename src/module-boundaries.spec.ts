import { globSync } from 'node:fs';
import { join, relative } from 'node:path';
import 'reflect-metadata';

const ROOT = join(__dirname, '..');

/** Every Nest module class of the code base, by file, with the providers it declares. */
function modulesWithProviders(): { module: string; provides: unknown[] }[] {
  const files = [
    ...globSync('src/**/*.module.ts', { cwd: ROOT }),
    ...globSync('apps/**/*.module.ts', { cwd: ROOT }),
  ];
  return files.flatMap((file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- every module file, found at run time
    const exported = require(join(ROOT, file)) as Record<string, unknown>;
    return Object.entries(exported)
      .filter(([, value]) => typeof value === 'function' && Reflect.hasMetadata('providers', value))
      .map(([name, cls]) => ({
        module: `${name} (${relative(ROOT, join(ROOT, file))})`,
        provides: (Reflect.getMetadata('providers', cls as object) as unknown[]).map((p) =>
          typeof p === 'function' ? p : (p as { provide?: unknown }).provide,
        ),
      }));
  });
}

/** Each provider token declared by more than one module, with those modules (app-wide tokens aside). */
function providedMoreThanOnce(modules: { module: string; provides: unknown[] }[]): string[] {
  const APP_WIDE = new Set(['APP_GUARD', 'APP_PIPE', 'APP_FILTER']);
  const providedBy = new Map<unknown, string[]>();
  for (const { module, provides } of modules) {
    for (const token of provides) providedBy.set(token, [...(providedBy.get(token) ?? []), module]);
  }
  return [...providedBy]
    .filter(([token, by]) => by.length > 1 && !APP_WIDE.has(String(token)))
    .map(([token, by]) => `${(token as { name?: string }).name ?? String(token)}: ${by.join(', ')}`);
}

/**
 * A service provided by two modules is two instances with two states (a cache, a switch read once) and
 * two places to keep in step. Each is provided by the module of its folder and imported by the others.
 * The global guard, pipe and filter are the exception: the api and the site relay are separate apps.
 */
describe('module boundaries', () => {
  it('provides each service in exactly one module', () => {
    const modules = modulesWithProviders();
    expect(modules.length).toBeGreaterThan(30);
    expect(providedMoreThanOnce(modules)).toEqual([]);
  });

  it('would notice a service provided twice', () => {
    class SharedService {}
    class OtherService {}
    expect(
      providedMoreThanOnce([
        { module: 'AModule', provides: [SharedService, OtherService] },
        { module: 'BModule', provides: [SharedService] },
      ]),
    ).toEqual(['SharedService: AModule, BModule']);
  });
});
