import { randomUUID } from 'node:crypto';
import { IngestClient, registrationOf, scanPath, WrittenFile, writeFile } from '../instrument';
import { INSTRUMENTS } from '../night';

export interface Registered extends WrittenFile {
  obsUnit: string;
}

export interface WorkloadOutcome {
  files: Registered[];
  batches: number;
  /** Requests that had to be sent again (the API answered 5xx or not at all). */
  resent: number;
}

/**
 * The instruments at work while the faults happen: obs units one after another, alternating Prime-Cam and
 * CHAI, each started, its files written to the telescope computer and registered in bulk batches spread
 * over `spreadMs`, then finished. A request that fails is sent again (registration is idempotent).
 */
export async function registerWorkload(
  client: IngestClient,
  sourceRoot: string,
  options: { sizes: number[]; obsUnits: number; batch: number; spreadMs: number },
  say: (line: string) => void,
): Promise<WorkloadOutcome> {
  const { sizes, obsUnits, batch } = options;
  const instruments = Object.keys(INSTRUMENTS);
  const batches = Array.from({ length: obsUnits }, (_, u) => {
    const perUnit = Math.floor(sizes.length / obsUnits) + (u < sizes.length % obsUnits ? 1 : 0);
    return Math.ceil(perUnit / batch);
  }).reduce((a, b) => a + b, 0);
  const pauseMs = options.spreadMs / Math.max(1, batches);
  const outcome: WorkloadOutcome = { files: [], batches, resent: 0 };
  const send = async (method: string, path: string, body: unknown) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.call<{ created?: number }>(method, path, body);
      } catch (err) {
        if (attempt >= 30 || !/-> 5\d\d|fetch failed|ECONN/.test((err as Error).message)) throw err;
        outcome.resent++;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  let next = 0;
  for (let u = 0; u < obsUnits; u++) {
    const instrument = instruments[u % instruments.length];
    const unit = {
      id: randomUUID(),
      obsUnit: `chaos_field_${u + 1}`,
      instrument,
      startedAt: new Date().toISOString(),
    };
    await send('POST', '/executed-obs-units/start', unit);
    const perUnit = Math.floor(sizes.length / obsUnits) + (u < sizes.length % obsUnits ? 1 : 0);
    for (let first = 0; first < perUnit; first += batch) {
      const files: Registered[] = [];
      for (let i = first; i < Math.min(perUnit, first + batch); i++) {
        const module = INSTRUMENTS[instrument][i % 2];
        const path = scanPath(instrument, unit.obsUnit, module, i);
        files.push({ ...(await writeFile(sourceRoot, path, sizes[next++], module)), obsUnit: unit.obsUnit });
      }
      const registrations = files.map((f) => registrationOf(f, unit.id));
      await send('POST', '/raw-data-files/bulk', { files: registrations });
      outcome.files.push(...files);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    await send('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
    say(`  registered ${unit.obsUnit} (${instrument}): ${perUnit} files; ${outcome.files.length} so far`);
  }
  return outcome;
}
