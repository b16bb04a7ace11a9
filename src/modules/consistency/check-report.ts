import { LossReason } from './copy-repair.entity';

/** The JSON of `ccat-dt check --json`: other tools (the chaos run) parse it, so its shape is kept. */
export interface CheckReport {
  ok: boolean;
  locations: LocationReport[];
}

export interface LostCopy {
  /** For a sidecar, the copy of its package. */
  copyId: string;
  /** The copy's kind (raw_data_file, raw_data_package, data_transfer_package), or `sidecar`. */
  kind: string;
  objectId: string;
  key: string;
  reason: LossReason;
}

export interface DarkObject {
  key: string;
  size: number;
}

export interface RepairOutcome {
  copyId: string;
  newCopyId: string | null;
  /** What happened, in words: `replaced from cologne/lta`, `unrecoverable: ...`, `still pending: ...`. */
  action: string;
}

export interface LocationReport {
  /** `site/location`. */
  location: string;
  copiesChecked: number;
  bytesChecked: number;
  lost: LostCopy[];
  dark: DarkObject[];
  repaired: RepairOutcome[];
  /** Objects without a copy row that are legitimately there, counted apart (never in `dark`). */
  notDark: {
    /** Temporary names of writes in progress and resumable-pull checkpoints (dot names). */
    temporary: number;
    /** Package sidecars beside their package's archive copy. */
    sidecars: number;
    /** Files at a SOURCE location that an instrument wrote but has not registered (yet). */
    unregistered: number;
    /** Written less than --min-age before the check started: possibly a write whose row is not committed yet. */
    young: number;
  };
}

/** Exit code: 0 when nothing is lost (or every lost copy was repaired) and nothing is dark, 1 otherwise. */
export function isClean(report: LocationReport, repaired: boolean): boolean {
  if (report.dark.length > 0) return false;
  if (!repaired) return report.lost.length === 0;
  return report.lost.every((l) =>
    report.repaired.some((r) => r.copyId === l.copyId && r.newCopyId && l.kind !== 'sidecar'),
  );
}

const bytes = (n: number) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`;

/** The readable summary: one block per location, the problems listed under it. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const l of report.locations) {
    const n = l.notDark;
    lines.push(
      `${l.location}: ${l.copiesChecked} copies checked (${bytes(l.bytesChecked)} hashed), ` +
        `${l.lost.length} lost, ${l.dark.length} dark` +
        ` (not dark: ${n.temporary} temporary, ${n.sidecars} sidecars, ${n.unregistered} unregistered, ${n.young} too young)`,
    );
    for (const x of l.lost) lines.push(`  LOST ${x.reason.padEnd(8)} ${x.key}  (${x.kind} copy ${x.copyId})`);
    for (const x of l.dark) lines.push(`  DARK ${String(x.size).padStart(12)} ${x.key}`);
    for (const x of l.repaired)
      lines.push(`  REPAIR ${x.copyId}: ${x.action}${x.newCopyId ? ` (new copy ${x.newCopyId})` : ''}`);
  }
  lines.push(report.ok ? 'OK: storage and database agree.' : 'NOT OK: see above.');
  return lines.join('\n');
}
