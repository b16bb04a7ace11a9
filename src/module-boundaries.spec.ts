import { globSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import 'reflect-metadata';
import { RESOLVER_TYPE_METADATA } from '@nestjs/graphql/dist/graphql.constants';
import { CommandMeta, SubCommandMeta } from 'nest-commander/src/constants';

const ROOT = join(__dirname, '..');

interface ModuleInfo {
  module: string;
  /** Its folder, relative to the repository (`src/operations/status`). */
  folder: string;
  provides: unknown[];
}

/** The exports of a file of the repository, by name. */
function exportsOf(file: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- files found at run time
  return require(join(ROOT, file)) as Record<string, unknown>;
}

/** What @Module() records (only the keys it is given: a module may declare no providers at all). */
const MODULE_KEYS = ['imports', 'controllers', 'providers', 'exports'];

/** Every Nest module class of the code base, by file, with the providers it declares. */
function modulesWithProviders(): ModuleInfo[] {
  const files = [
    ...globSync('src/**/*.module.ts', { cwd: ROOT }),
    ...globSync('apps/**/*.module.ts', { cwd: ROOT }),
  ];
  return files.flatMap((file) =>
    Object.entries(exportsOf(file))
      .filter(
        ([, value]) =>
          typeof value === 'function' && MODULE_KEYS.some((key) => Reflect.hasMetadata(key, value)),
      )
      .map(([name, cls]) => ({
        module: `${name} (${file})`,
        folder: dirname(file),
        provides: ((Reflect.getMetadata('providers', cls as object) ?? []) as unknown[]).map((p) =>
          typeof p === 'function' ? p : (p as { provide?: unknown }).provide,
        ),
      })),
  );
}

/** Each provider token declared by more than one module, with those modules (app-wide tokens aside). */
function providedMoreThanOnce(modules: Pick<ModuleInfo, 'module' | 'provides'>[]): string[] {
  const APP_WIDE = new Set(['APP_GUARD', 'APP_PIPE', 'APP_FILTER']);
  const providedBy = new Map<unknown, string[]>();
  for (const { module, provides } of modules) {
    for (const token of provides) providedBy.set(token, [...(providedBy.get(token) ?? []), module]);
  }
  return [...providedBy]
    .filter(([token, by]) => by.length > 1 && !APP_WIDE.has(String(token)))
    .map(([token, by]) => `${(token as { name?: string }).name ?? String(token)}: ${by.join(', ')}`);
}

const nameOf = (token: unknown) => (token as { name?: string }).name ?? String(token);

/** The source files (no specs) under src and apps that declare a class of this name. */
function filesDeclaring(name: string): string[] {
  const declaration = new RegExp(`^(export )?(abstract )?class ${name}\\b`, 'm');
  return globSync('{src,apps}/**/*.ts', { cwd: ROOT })
    .filter((file) => !file.endsWith('.spec.ts'))
    .filter((file) => declaration.test(readFileSync(join(ROOT, file), 'utf8')));
}

/** Each provider of the module declared outside the module's folder, or nowhere (a file outside src, apps). */
function providedFromElsewhere(module: ModuleInfo, declaredIn: (name: string) => string[]): string[] {
  return module.provides.map(nameOf).filter((name) => {
    const files = declaredIn(name);
    return files.length === 0 || files.some((file) => !file.startsWith(`${module.folder}/`));
  });
}

/** Every GraphQL resolver and nest-commander command (and subcommand) class under src, with its file. */
function resolversAndCommands(): { cls: unknown; file: string }[] {
  const decorated = /@(Resolver|Command|SubCommand)\(/;
  return globSync('src/**/*.ts', { cwd: ROOT })
    .filter((file) => !file.endsWith('.spec.ts') && decorated.test(readFileSync(join(ROOT, file), 'utf8')))
    .flatMap((file) =>
      Object.values(exportsOf(file))
        .filter(
          (value) =>
            typeof value === 'function' &&
            [RESOLVER_TYPE_METADATA, CommandMeta, SubCommandMeta].some((key) =>
              Reflect.hasOwnMetadata(key, value),
            ),
        )
        .map((cls) => ({ cls, file })),
    );
}

/** Each class not provided by a module declared in its own folder, with the modules that do provide it. */
function notProvidedInOwnFolder(
  classes: { cls: unknown; file: string }[],
  modules: Pick<ModuleInfo, 'module' | 'folder' | 'provides'>[],
): string[] {
  return classes
    .filter(({ cls, file }) => !modules.some((m) => m.folder === dirname(file) && m.provides.includes(cls)))
    .map(({ cls, file }) => {
      const by = modules.filter((m) => m.provides.includes(cls)).map((m) => m.module);
      return `${nameOf(cls)} (${file}): provided by ${by.join(', ') || 'no module'}`;
    });
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

  it('has the admin console and the CLI provide only what their own folders declare', () => {
    const modules = modulesWithProviders();
    const shells = modules.filter((m) => /^(AdminConsoleModule|CliModule) /.test(m.module));
    expect(shells).toHaveLength(2);
    for (const shell of shells) {
      expect({ module: shell.module, fromElsewhere: providedFromElsewhere(shell, filesDeclaring) }).toEqual({
        module: shell.module,
        fromElsewhere: [],
      });
    }
  });

  it('has every resolver and command provided by the module of its own folder', () => {
    const classes = resolversAndCommands();
    expect(classes.length).toBeGreaterThan(40);
    expect(notProvidedInOwnFolder(classes, modulesWithProviders())).toEqual([]);
  });

  it('would notice a resolver provided by another folder, or a shell providing a foreign class', () => {
    class HereResolver {}
    expect(
      notProvidedInOwnFolder(
        [{ cls: HereResolver, file: 'src/a/here.resolver.ts' }],
        [
          {
            module: 'ShellModule (src/shell/shell.module.ts)',
            folder: 'src/shell',
            provides: [HereResolver],
          },
        ],
      ),
    ).toEqual(['HereResolver (src/a/here.resolver.ts): provided by ShellModule (src/shell/shell.module.ts)']);
    const shell = { module: 'ShellModule', folder: 'src/shell', provides: [HereResolver] };
    expect(providedFromElsewhere(shell, () => ['src/a/here.resolver.ts'])).toEqual(['HereResolver']);
    expect(providedFromElsewhere(shell, () => ['src/shell/here.resolver.ts'])).toEqual([]);
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
