import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { LocationType } from '../src/catalog/locations/location-type';
import { QUEUE_OPERATIONS_BY_LOCATION_TYPE } from '../src/engine/queues/operation-type';
import { QueueDiscoveryService } from '../src/engine/queues/queue-discovery.service';
import { queueName } from '../src/engine/queues/queue-name';
import { applyDemoTopology, cli, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('queue discovery and list-queues on the demo topology', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;

  /** The demo's active locations and their types, read from the topology file's effect on the database. */
  const expectedQueues = async () => {
    const rows: { site: string; name: string; location_type: LocationType }[] = await ds.query(
      `SELECT s.short_name AS site, l.name, l.location_type FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE l.active`,
    );
    return rows.flatMap((l) =>
      QUEUE_OPERATIONS_BY_LOCATION_TYPE[l.location_type].map((op) => queueName(l.site, l.name, op)),
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    applyDemoTopology(db.url);
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
  });

  it('derives exactly the matrix of operations for every active location, and none for inactive ones', async () => {
    const found = await new QueueDiscoveryService(ds).discoverAll();
    const names = found.map((q) => q.name).sort();
    expect(names).toEqual((await expectedQueues()).sort());
    // Active locations of the demo: 1 source (5 ops), 4 buffers (7 each), 2 LTAs (5 each), 1 processing (4).
    expect(names).toHaveLength(5 + 4 * 7 + 2 * 5 + 4);
    expect(names).toContain('ccat_telescope_computer_raw_data_package_creation');
    expect(names).toContain('cologne_lta_long_term_archive_transfer');
    expect(names).toContain('cologne_ramses_processing_staging');
    expect(names.some((n) => n.startsWith('cologne_buffer_backup_'))).toBe(false);
    expect(names.every((n) => n === n.toLowerCase())).toBe(true);
  });

  it('lists every queue with its counts from Redis in `ccat-dt list-queues`', async () => {
    const out = cli(['list-queues'], { DATABASE_URL: db.url, ...ns.env });
    for (const name of await expectedQueues()) expect(out).toContain(name);
    expect(out).not.toContain('cologne_buffer_backup');
    expect(out).toMatch(/waiting.*active.*delayed.*failed/);
  });
});
