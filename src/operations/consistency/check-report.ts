import { renderTable } from '../../engine/report/report-table';
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
  const summary = renderTable(
    report.locations.map((l) => ({
      location: l.location,
      'copies checked': l.copiesChecked,
      hashed: bytes(l.bytesChecked),
      lost: l.lost.length,
      dark: l.dark.length,
      'not dark: temporary': l.notDark.temporary,
      sidecars: l.notDark.sidecars,
      unregistered: l.notDark.unregistered,
      'too young': l.notDark.young,
    })),
  );
  const findings = report.locations.flatMap((l) => [
    ...l.lost.map((x) => ({
      location: l.location,
      finding: 'LOST',
      what: x.reason,
      key: x.key,
      copy: `${x.kind} copy ${x.copyId}`,
    })),
    ...l.dark.map((x) => ({
      location: l.location,
      finding: 'DARK',
      what: String(x.size),
      key: x.key,
      copy: null,
    })),
    ...l.repaired.map((x) => ({
      location: l.location,
      finding: 'REPAIR',
      what: x.action,
      key: null,
      copy: `${x.copyId}${x.newCopyId ? ` (new copy ${x.newCopyId})` : ''}`,
    })),
  ]);
  return [
    summary,
    ...(findings.length ? ['', renderTable(findings)] : []),
    report.ok ? 'OK: storage and database agree.' : 'NOT OK: see above.',
  ].join('\n');
}
