import { createHash } from 'node:crypto';
import { uuid7 } from '../lib/uuid7';
import { DataSource } from 'typeorm';
import { ExplainService } from '../../src/operations/explain/explain.service';
import { RegisterRawDataFileDto } from '../../src/pipeline/ingest/dto/register-raw-data-file.dto';
import { RawDataFileService } from '../../src/pipeline/ingest/raw-data-file.service';
import { ManagersContext } from './managers-context';
import { elapsed, keep, Statements, Timing, timing } from './measure';

export interface RequestFigures {
  /** One file per call, one after another, as an instrument registers a file it just wrote. */
  single: Timing;
  /** Bulk calls of BULK_FILES files: each call's time, and the files per second over all of them. */
  bulk: Timing & { filesPerSecond: number };
  /** `explain` of a file of the history (archived long ago) and of one just registered. */
  explainArchived: Timing;
  explainNew: Timing;
  statements: Statements;
}

const SINGLE_CALLS = 200;
const BULK_CALLS = 5;
const BULK_FILES = 5000;
const AUTHOR = { actor: 'bench-scale-instrument' };

/** A started obs unit of primecam to register files into. */
async function startUnit(db: DataSource): Promise<string> {
  const unit = uuid7();
  await db.query(
    `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at)
     SELECT $1, 'bench_requests', i.id, now() FROM instrument i WHERE i.name = 'primecam'`,
    [unit],
  );
  return unit;
}

function files(unit: string, from: number, count: number): RegisterRawDataFileDto[] {
  return Array.from({ length: count }, (_, k) => {
    const n = from + k;
    return Object.assign(new RegisterRawDataFileDto(), {
      // Time-ordered, as the Python client makes them (clients/python: uuid7).
      id: uuid7(),
      site: 'ccat',
      location: 'telescope_computer',
      path: `primecam/${unit}/pcam_280/req_${n}.fits`,
      size: 1_000_000 + n,
      sha256: createHash('sha256').update(`${unit}/${n}`).digest('hex'),
      executedObsUnitId: unit,
      instrumentModule: 'pcam_280',
    });
  });
}

/**
 * Registration and explain as the API serves them (the services, without HTTP and the DTO validation,
 * which do not depend on the history), so that the history and the empty database can be compared.
 */
export async function measureRequests(ctx: ManagersContext, times = 5): Promise<RequestFigures> {
  const service = ctx.app.get(RawDataFileService);
  const explain = ctx.app.get(ExplainService);
  const field = (i: number, name: string) => `files[${i}].${name}`;
  const statements: Statements = {};
  const unit = await startUnit(ctx.dataSource);
  ctx.capture.take();

  const single: number[] = [];
  for (const dto of files(unit, 0, SINGLE_CALLS))
    single.push(await elapsed(() => service.registerOne(dto, AUTHOR)));
  keep(statements, 'registration (one file)', ctx);

  const bulk: number[] = [];
  for (let call = 0; call < BULK_CALLS; call++) {
    const batch = files(unit, SINGLE_CALLS + call * BULK_FILES, BULK_FILES);
    bulk.push(await elapsed(() => service.register(batch, AUTHOR, field)));
  }
  keep(statements, 'registration (bulk)', ctx);
  const bulkSeconds = bulk.reduce((a, b) => a + b, 0) / 1000;

  // The oldest file of the history, and the last one registered above.
  const [archived] = await ctx.dataSource.query(
    `SELECT f.id FROM raw_data_package p
       JOIN LATERAL (SELECT id FROM raw_data_file WHERE raw_data_package_id = p.id LIMIT 1) f ON true
      WHERE p.state = 'archived' ORDER BY p.created_at LIMIT 1`,
  );
  const [fresh] = await ctx.dataSource.query(
    `SELECT id FROM raw_data_file WHERE executed_obs_unit_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [unit],
  );
  const explainTimes = async (id: string) => {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) ms.push(await elapsed(() => explain.explain(id)));
    keep(statements, 'explain (one file)', ctx);
    return timing(ms);
  };
  const figures: RequestFigures = {
    single: timing(single),
    bulk: { ...timing(bulk), filesPerSecond: (BULK_CALLS * BULK_FILES) / bulkSeconds },
    explainArchived: await explainTimes((archived ?? fresh).id),
    explainNew: await explainTimes(fresh.id),
    statements,
  };
  // Out of every later cycle's way: a kept history is measured again (BENCH_SCALE_REUSE), and an open unit
  // of 25,000 unpackaged files would be work for its packaging manager, not history.
  await ctx.dataSource.query(
    `UPDATE raw_data_file SET withdrawn_at = now(), withdrawn_reason = 'bench/scale registration figures'
      WHERE executed_obs_unit_id = $1`,
    [unit],
  );
  await ctx.dataSource.query(
    `UPDATE executed_obs_unit SET finished_at = now(), outcome = 'success' WHERE id = $1`,
    [unit],
  );
  return figures;
}
