export interface WaitingPackage {
  id: string;
  size: number;
  locationId: number;
  /** When it became ready to travel (its packaging completed). */
  readyAt: Date;
}

export interface Bundle {
  locationId: number;
  packages: WaitingPackage[];
  bytes: number;
}

/**
 * Cuts the waiting packages of each buffer, oldest first, into bundles of at most `maxBytes` (a single
 * larger package goes alone). Every closed bundle ships; the last, still open one ships only once its
 * oldest package has waited `maxWaitMs`, so a quiet night still leaves.
 */
export function bundleWaitingPackages(
  waiting: WaitingPackage[],
  maxBytes: number,
  maxWaitMs: number,
  now = Date.now(),
): Bundle[] {
  const byLocation = new Map<number, WaitingPackage[]>();
  for (const p of waiting) byLocation.set(p.locationId, [...(byLocation.get(p.locationId) ?? []), p]);
  const ready: Bundle[] = [];
  for (const [locationId, packages] of byLocation) {
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
    if (oldest && (open.bytes >= maxBytes || now - oldest.readyAt.getTime() >= maxWaitMs)) ready.push(open);
  }
  return ready;
}
