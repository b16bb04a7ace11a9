import { randomUUID } from 'node:crypto';
import { fileSize, IngestClient, registrationOf, scanPath, WrittenFile, writeFile } from './instrument';

export const INSTRUMENTS: Record<string, string[]> = {
  primecam: ['pcam_280', 'pcam_350'],
  chai: ['lfa', 'hfa'],
};

export interface ObservedUnit {
  unit: string;
  instrument: string;
  files: WrittenFile[];
}

/**
 * Plays the instruments for a night: each obs unit is started, its files written to the telescope
 * computer and registered (the first one alone, the rest in bulk, then all again as a flaky link would
 * re-send), and the unit finished.
 */
export async function playNight(
  client: IngestClient,
  sourceRoot: string,
  options: { obsUnits: number; files: number; maxSize: number },
  say: (line: string) => void,
): Promise<ObservedUnit[]> {
  const observed: ObservedUnit[] = [];
  const instruments = Object.keys(INSTRUMENTS);
  for (let u = 0; u < options.obsUnits; u++) {
    const instrument = instruments[u % instruments.length];
    const unit = {
      id: randomUUID(),
      obsUnit: `demo_field_${u + 1}`,
      instrument,
      startedAt: new Date().toISOString(),
    };
    await client.call('POST', '/executed-obs-units/start', unit);
    const files: WrittenFile[] = [];
    const perUnit =
      Math.floor(options.files / options.obsUnits) + (u < options.files % options.obsUnits ? 1 : 0);
    for (let i = 0; i < perUnit; i++) {
      const module = INSTRUMENTS[instrument][i % 2];
      const path = scanPath(instrument, unit.obsUnit, module, i);
      files.push(await writeFile(sourceRoot, path, fileSize(options.maxSize), module));
    }
    const registrations = files.map((f) => registrationOf(f, unit.id));
    await client.call('POST', '/raw-data-files', registrations[0]);
    const bulk = await client.call<{ created: number }>('POST', '/raw-data-files/bulk', {
      files: registrations.slice(1),
    });
    const again = await client.call<{ created: number }>('POST', '/raw-data-files/bulk', {
      files: registrations,
    });
    await client.call('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
    say(
      `  ${unit.obsUnit} (${instrument}): ${files.length} files written, registered (${bulk.body.created + 1} new; ` +
        `re-sent: ${again.body.created} new), unit finished`,
    );
    observed.push({ unit: unit.obsUnit, instrument, files });
  }
  return observed;
}
