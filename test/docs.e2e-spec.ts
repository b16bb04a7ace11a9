import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { CommandFactory } from 'nest-commander';
import { Commander } from 'nest-commander/src/constants';
import type { Command } from 'commander';
import { printSchema } from 'graphql';
import { ApiHarness, startApi } from './support/api-app';
import { redisNamespace, RedisNamespace } from './support/processes';

/**
 * The documentation stands on its own and says what the code does: the GraphQL schema file is the one the
 * resolvers make, every `ccat-dt` command the docs show exists, and every link and path they name is a file
 * of this repository.
 */

const ROOT = join(__dirname, '..');
const SCHEMA_FILE = join(ROOT, 'docs', 'schema.graphql');
/** The first line scripts/print-schema.ts writes (`npm run schema`); kept identical to it. */
const SCHEMA_HEADER =
  '# The admin console API at /graphql, generated from the resolvers by `npm run schema`.\n\n';

/** README.md and every Markdown file under docs/, as paths relative to the repository. */
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const read = (doc: string) => readFileSync(join(ROOT, doc), 'utf8');

/** The text of a Markdown document split into its fenced code blocks (with their language) and the prose. */
function splitFences(text: string): { fences: { lang: string; body: string }[]; prose: string } {
  const fences: { lang: string; body: string }[] = [];
  const prose = text.replace(
    /^(`{3,}|~{3,})([^\n]*)\n([\s\S]*?)^\1[ \t]*$/gm,
    (_all, _fence, lang: string, body: string) => {
      fences.push({ lang: lang.trim().split(/\s+/)[0] ?? '', body });
      return '';
    },
  );
  return { fences, prose };
}

/** The inline code spans of prose (a span may run over a line break, which counts as a space). */
function codeSpans(prose: string): string[] {
  return [...prose.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)].map((m) =>
    m[2].replace(/\s+/g, ' ').trim(),
  );
}

/** Lines that differ, as a short list for a failure message. */
function lineDiff(expected: string, actual: string, limit = 30): string {
  const want = expected.split('\n');
  const have = new Set(actual.split('\n'));
  const wantSet = new Set(want);
  const missing = want.filter((l) => !have.has(l)).map((l) => `+ ${l}`);
  const extra = actual
    .split('\n')
    .filter((l) => !wantSet.has(l))
    .map((l) => `- ${l}`);
  const all = [...missing, ...extra];
  return all.slice(0, limit).join('\n') + (all.length > limit ? `\n... and ${all.length - limit} more` : '');
}

describe('docs/schema.graphql', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi({ ...ns.env });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await ns?.cleanup();
  });

  it('is the schema the resolvers make now', () => {
    const generated = SCHEMA_HEADER + printSchema(api.app.get(GraphQLSchemaHost).schema);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (committed !== generated) {
      throw new Error(
        'docs/schema.graphql is not the schema the resolvers make: run `npm run schema` and commit the file.\n' +
          `Lines the regenerated file has (+) and the committed one has instead (-):\n${lineDiff(generated, committed)}`,
      );
    }
  });
});

describe('the ccat-dt commands the docs show', () => {
  let app: INestApplicationContext;
  let program: Command;

  beforeAll(async () => {
    // Required here, not imported: the config module reads the environment when it is first loaded, and
    // the api above must load it first with its own database. Only usage is asked for: nothing connects.
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    const { CliModule } = require('../src/cli/cli.module') as typeof import('../src/cli/cli.module');
    app = await CommandFactory.createWithoutRunning(CliModule.forArgs(['--help']), { logger: false });
    program = app.get<Command>(Commander);
  });
  afterAll(() => app?.close());

  /** Every `ccat-dt <command> [<word>]` in README.md's ```bash blocks and in code spans of README.md and docs/. */
  function mentions(): { doc: string; words: string[]; text: string }[] {
    const found: { doc: string; words: string[]; text: string }[] = [];
    const scan = (doc: string, text: string) => {
      for (const m of text.matchAll(/(?:^|[\s`(])ccat-dt((?:[ \t]+[^\s|;&#]+){0,2})/g)) {
        const words = m[1]
          .trim()
          .split(/[ \t]+/)
          .filter(Boolean);
        // `ccat-dt --help`, or the program named alone: nothing to check.
        if (words.length === 0 || words[0].startsWith('-')) continue;
        found.push({ doc, words, text: `ccat-dt ${words.join(' ')}` });
      }
    };
    for (const doc of DOCS) {
      const { fences, prose } = splitFences(read(doc));
      if (doc === 'README.md')
        for (const f of fences.filter((f) => f.lang === 'bash' || f.lang === 'sh'))
          for (const line of f.body.split('\n')) scan(doc, line.replace(/\s#\s.*$/, ''));
      for (const span of codeSpans(prose)) scan(doc, span);
    }
    return found;
  }

  it('exist in the CLI, subcommands included', () => {
    const all = mentions();
    // The README's operating section alone names more than twenty: a parser that finds none checks nothing.
    expect(all.filter((m) => m.doc === 'README.md').length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const { doc, words, text } of all) {
      const command = program.commands.find((c) => c.name() === words[0] || c.aliases().includes(words[0]));
      if (!command) {
        unknown.push(`${doc}: \`${text}\` (no command ${words[0]})`);
        continue;
      }
      const sub = words[1];
      // A command with subcommands takes one as its next word; a placeholder (<id>) or an option is not one.
      if (command.commands.length && sub && /^[a-z][a-z0-9-]*$/.test(sub)) {
        if (!command.commands.some((c) => c.name() === sub || c.aliases().includes(sub)))
          unknown.push(
            `${doc}: \`${text}\` (${words[0]} has ${command.commands.map((c) => c.name()).join(', ')})`,
          );
      }
    }
    expect(unknown).toEqual([]);
  });
});

describe('links and paths in README.md and docs/', () => {
  /** Markdown links and images, inline `[text](target)` and reference `[id]: target`, outside code. */
  function links(doc: string): string[] {
    const { prose } = splitFences(read(doc));
    const withoutSpans = prose.replace(/(`+)[\s\S]*?\1/g, '');
    const inline = [...withoutSpans.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
      (m) => m[1],
    );
    const reference = [...withoutSpans.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
    const html = [...withoutSpans.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    return [...inline, ...reference, ...html];
  }

  /** Where a relative target points, relative to the repository; null for the web and for anchors. */
  function targetOf(doc: string, target: string): string | null {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return null;
    const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
    if (isAbsolute(path)) return path;
    return relative(ROOT, resolve(ROOT, dirname(doc), path));
  }

  const outside = (p: string) => isAbsolute(p) || p === '..' || p.startsWith('../');

  /** The anchors GitHub gives the headings of a Markdown file (`## "Safe", defined once` -> `safe-defined-once`). */
  function anchors(doc: string): Set<string> {
    const seen = new Map<string, number>();
    const found = new Set<string>();
    for (const [, heading] of splitFences(read(doc)).prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
      const slug = heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      found.add(n ? `${slug}-${n}` : slug);
    }
    return found;
  }

  it('every relative link points to a file of this repository (and to a heading there, if it names one)', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const link of links(doc)) {
        const anchor = /#(.+)$/.exec(link)?.[1];
        if (link.startsWith('#')) {
          if (!anchors(doc).has(decodeURIComponent(anchor!)))
            bad.push(`${doc}: ${link} names no heading of it`);
          continue;
        }
        const target = targetOf(doc, link);
        if (target === null) continue;
        checked++;
        if (outside(target)) bad.push(`${doc}: ${link} points outside the repository`);
        else if (!existsSync(join(ROOT, target))) bad.push(`${doc}: ${link} (${target}) does not exist`);
        else if (anchor && target.endsWith('.md') && !anchors(target).has(decodeURIComponent(anchor)))
          bad.push(`${doc}: ${link} names no heading of ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });

  /** Files the operator makes, which the docs name but the repository does not hold. */
  const MADE_BY_THE_OPERATOR = new Set(['deploy/.env']);

  it('every repository path named in code (`src/...`, `docs/...`) exists, and none leads outside it', () => {
    const bad: string[] = [];
    const tops = readdirSync(ROOT, { withFileTypes: true })
      .filter(
        (e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules' && e.name !== 'dist',
      )
      .map((e) => e.name);
    const pathLike = new RegExp(`^(?:\\.\\./|(?:${tops.join('|')})/)`);
    for (const doc of DOCS) {
      const { fences, prose } = splitFences(read(doc));
      const words = [
        ...codeSpans(prose),
        ...fences.flatMap((f) => f.body.split(/\s+/).map((w) => w.replace(/^["'(]+|["'),.;:]+$/g, ''))),
      ];
      for (const word of words) {
        // The design notes this repository grew from are not part of it (a clone has none).
        if (/(?:^|\/)shared\/spec\//.test(word)) {
          bad.push(`${doc}: \`${word}\` names a file outside the repository`);
          continue;
        }
        // One path alone: no placeholders (<domain>), globs or spaces.
        if (!pathLike.test(word) || /[\s<>*{}|]/.test(word)) continue;
        const path = word.replace(/[#:].*$/, '').replace(/\/$/, '');
        const target = path.startsWith('../') ? relative(ROOT, resolve(ROOT, dirname(doc), path)) : path;
        if (outside(target)) bad.push(`${doc}: \`${word}\` points outside the repository`);
        else if (!MADE_BY_THE_OPERATOR.has(target) && !existsSync(join(ROOT, target)))
          bad.push(`${doc}: \`${word}\` does not exist`);
      }
    }
    expect(bad).toEqual([]);
  });
});
