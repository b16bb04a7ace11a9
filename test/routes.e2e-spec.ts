import { cli } from './support/processes';
import { TransferManagerHarness } from './support/transfer-manager-harness';

/**
 * Operators' routes over the default routing, with the transfer manager in process on real PostgreSQL,
 * Redis and disk, and `ccat-dt route` as a process: RELAY sends data bound for a site through another
 * first; CUSTOM makes transfers from a location to a site land in a chosen location. (DIRECT has its own
 * test, with real processes.)
 */
describe('routes: relay and custom (PostgreSQL, Redis, disk, CLI)', () => {
  let h: TransferManagerHarness;
  const route = (...args: string[]) => cli(['route', ...args], { DATABASE_URL: h.db.url });

  beforeAll(async () => {
    h = await TransferManagerHarness.start();
  });
  afterAll(() => h?.stop());

  it('refuses routes that cannot work, saying why', () => {
    expect(() => route('add', 'relay', '--from', 'ccat', '--to', 'us', '--via', 'us')).toThrow(
      /a relay needs three different sites/,
    );
    expect(() => route('add', 'relay', '--from', 'ccat', '--to', 'mars', '--via', 'cologne')).toThrow(
      /no site mars/,
    );
    expect(() => route('add', 'custom', '--from', 'ccat_buffer', '--to', 'cologne_lta')).toThrow(
      /cologne_lta is a long_term_archive location; transfers land in buffers/,
    );
    // This test's topology publishes no data URLs: nothing could read the ccat buffer from the US.
    expect(() => route('add', 'direct', '--from', 'ccat', '--to', 'us')).toThrow(
      /ccat has no buffer with a data URL for us to read from directly/,
    );
    expect(route('list')).toContain('No routes');
  });

  it('RELAY: every bundle leaves the observatory for Cologne, and the US gets it from there', async () => {
    expect(route('add', 'relay', '--from', 'ccat', '--to', 'us', '--via', 'cologne')).toMatch(
      /^Added route \d+: relay ccat -> cologne -> us\.$/m,
    );
    const ids = [await h.bundle(), await h.bundle()];
    await h.manager.createTransfers();
    // Round robin gave one of the two bundles to the US; the relay sent it to Cologne instead.
    for (const id of ids)
      expect(await h.transfersOf(id)).toEqual([{ from: 'ccat/buffer', to: 'cologne/buffer' }]);
    // Once Cologne has unpacked them, each goes on to the US from Cologne's buffer.
    await h.ds.query(`UPDATE data_transfer SET status = 'completed', unpack_status = 'completed'`);
    await h.manager.createReplications();
    for (const id of ids)
      expect(await h.transfersOf(id)).toEqual([
        { from: 'ccat/buffer', to: 'cologne/buffer' },
        { from: 'cologne/buffer', to: 'us/buffer' },
      ]);
    const [relay] = route('list')
      .match(/route (\d+): relay/)!
      .slice(1);
    route('remove', relay);
  });

  it('CUSTOM: transfers from the ccat buffer to Cologne land in buffer_secondary, whatever the priorities', async () => {
    route('add', 'custom', '--from', 'ccat_buffer', '--to', 'cologne_buffer_secondary');
    const ids = [await h.bundle(), await h.bundle()];
    await h.manager.createTransfers();
    const landed = (await Promise.all(ids.map(h.transfersOf.bind(h))))
      .flat()
      .map((t) => t.to)
      .sort();
    // One bundle each way: the US one by its buffers' priority, the Cologne one by the route.
    expect(landed).toEqual(['cologne/buffer_secondary', 'us/buffer']);
    expect(route('list')).toMatch(/custom ccat_buffer -> cologne_buffer_secondary/);
  });
});
