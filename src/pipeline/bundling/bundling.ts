export interface WaitingPackage {
  id: string;
  size: number;
  locationId: number;
  /** When it became ready to travel (its packaging completed). */
  readyAt: Date;
  /** Its obs unit's id if that unit is urgent (`priority: high`), else null. */
  urgentUnit: string | null;
}

export interface Bundle {
  locationId: number;
  packages: WaitingPackage[];
  bytes: number;
}

/**
 * Cuts the waiting packages of each buffer, oldest first, into bundles of at most `maxBytes` (a single
 * larger package goes alone). Every closed bundle ships; the last, still open one ships only once its
 * oldest package has waited `maxWaitMs`, so a quiet night still leaves. An urgent obs unit's packages
 * wait for nothing: they ship at once, in bundles of their own (one unit's, never mixed with others').
 */
export function bundleWaitingPackages(
  waiting: WaitingPackage[],
  maxBytes: number,
  maxWaitMs: number,
  now = Date.now(),
): Bundle[] {
  const groups = new Map<string, WaitingPackage[]>();
  for (const p of waiting) {
    const key = `${p.locationId}:${p.urgentUnit ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const ready: Bundle[] = [];
  for (const packages of groups.values()) {
    const { locationId, urgentUnit } = packages[0];
    packages.sort((a, b) => a.readyAt.getTime() - b.readyAt.getTime());
    let open: Bundle = { locationId, packages: [], bytes: 0 };
    for (const p of packages) {
      if (open.packages.length > 0 && open.bytes + p.size > maxBytes) {
        ready.push(open);
        open = { locationId, packages: [], bytes: 0 };
      }
      open.packages.push(p);
      open.bytes += p.size;
    }
    const oldest = open.packages[0];
    if (
      oldest &&
      (urgentUnit !== null || open.bytes >= maxBytes || now - oldest.readyAt.getTime() >= maxWaitMs)
    )
      ready.push(open);
  }
  // Urgent bundles first: they are recorded, and so queued, ahead of the rest of this cycle's.
  return [
    ...ready.filter((b) => b.packages[0].urgentUnit),
    ...ready.filter((b) => !b.packages[0].urgentUnit),
  ];
}
