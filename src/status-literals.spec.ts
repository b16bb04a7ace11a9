import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CopyStatus } from './catalog/physical-copies/physical-copy.states';
import { OperationStatus } from './engine/work/operation-status';
import { PackageState } from './pipeline/packaging/raw-data-package.states';

/**
 * Status literals come from the state machines' enums (issue 18): a status compared or listed in SQL or
 * code is written `'${OperationStatus.COMPLETED}'` (in a template) or `OperationStatus.COMPLETED`, never
 * `'completed'`, so renaming a status or removing one is a compile error and not a silent miss.
 */
const ROOT = join(__dirname, '..');

const STATUS_VALUES = new Set<string>([
  ...Object.values(OperationStatus),
  ...Object.values(CopyStatus),
  ...Object.values(PackageState),
]);

/**
 * Quoted status values in places where a value matching a status is not ours, by file and value:
 * each with the reason it stays a literal.
 */
const ALLOWED: { file: string; value: string; reason: string }[] = [
  ...['waiting', 'transferring', 'archived', 'failed'].map((value) => ({
    file: 'src/pipeline/ingest/raw-data-file.model.ts',
    value,
    reason: 'the FileState enum (GraphQL filter) declares its members with the package states’ values',
  })),
  {
    file: 'src/operations/site-relay/site-relay.service.ts',
    value: 'pending',
    reason: 'DeliveryState of the relay’s event stream, not a work row’s status',
  },
];

/** The enums' own declarations, the state machines, the schema (entities' CHECKs) and the migrations. */
function scanned(file: string): boolean {
  return (
    !/\.spec\.ts$|\.d\.ts$/.test(file) &&
    !file.includes('/migrations/') &&
    !/\.states\.ts$|\.entity\.ts$/.test(file) &&
    !file.endsWith('engine/work/operation-status.ts')
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `= 'x'`, `<> 'x'`, `!= 'x'` (and so `=== 'x'`, `!== 'x'`). */
const COMPARED = /(?:=|<>)\s*'([a-z_]+)'/g;
/** `IN ('x', 'y')`, `NOT IN ('x')`. */
const LISTED = /\bIN\s*\(([^()]*)\)/gi;

/** The status values a text names in SQL position, with their line numbers. */
export function statusLiterals(text: string): { line: number; value: string }[] {
  const found: { line: number; value: string }[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(COMPARED))
    if (STATUS_VALUES.has(m[1])) found.push({ line: lineOf(m.index), value: m[1] });
  for (const m of text.matchAll(LISTED))
    for (const item of m[1].matchAll(/'([a-z_]+)'/g))
      if (STATUS_VALUES.has(item[1])) found.push({ line: lineOf(m.index), value: item[1] });
  return found.sort((a, b) => a.line - b.line);
}

describe('status literals', () => {
  it('come from the state machines’ enums everywhere in src but the schema and the enums themselves', () => {
    const files = sourceFiles(join(ROOT, 'src'))
      .map((file) => relative(ROOT, file).split(sep).join('/'))
      .filter(scanned);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      statusLiterals(readFileSync(join(ROOT, file), 'utf8'))
        .filter(({ value }) => !ALLOWED.some((a) => a.file === file && a.value === value))
        .map(({ line, value }) => `${file}:${line}: '${value}'`),
    );
    expect(offenders).toEqual([]);
  });

  it('are recognised in each SQL and code form, and only for our statuses', () => {
    const values = (text: string) => statusLiterals(text).map((f) => f.value);
    expect(values(`WHERE c.status = 'present'`)).toEqual(['present']);
    expect(values(`AND pc.status <> 'deleted'`)).toEqual(['deleted']);
    expect(values(`WHERE r.status IN ('pending', 'scheduled', 'in_progress')`)).toEqual([
      'pending',
      'scheduled',
      'in_progress',
    ]);
    expect(values(`c.status NOT IN ('deleted', 'lost')`)).toEqual(['deleted', 'lost']);
    expect(values(`WHERE state = 'archived'`)).toEqual(['archived']);
    expect(values(`if (b.status !== 'completed') return;`)).toEqual(['completed']);
    // Not ours, or already from the enum.
    expect(values(`WHERE l.location_type = 'source'`)).toEqual([]);
    expect(values(`WHERE status = '\${OperationStatus.COMPLETED}'`)).toEqual([]);
    expect(values(`worker.on('failed', handler); const states = ['waiting', 'completed'];`)).toEqual([]);
  });

  it('allow-list entries name a file that still has the literal, each with a reason', () => {
    for (const a of ALLOWED) {
      expect(a.reason.length).toBeGreaterThan(10);
      expect(statusLiterals(readFileSync(join(ROOT, a.file), 'utf8')).map((f) => f.value)).toContain(a.value);
    }
  });
});
