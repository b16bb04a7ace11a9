import { TransferManagerHarness } from './support/transfer-manager-harness';

/**
 * Failover between a site's buffers, with the transfer manager in process on real PostgreSQL, Redis and
 * disk: Cologne has `buffer` (priority 1) and `buffer_secondary` (priority 2). A buffer that is inactive or
 * over its disk threshold gets no new data; what is already on it stays where it is; once it is back, new
 * data goes to it again.
 */
describe('buffer failover (PostgreSQL, Redis, disk)', () => {
  let h: TransferManagerHarness;

  const nextForCologne = async () => (await h.nextForCologne()).to;
  const setBuffer = (name: string, set: string) =>
    h.ds.query(
      `UPDATE data_location SET ${set} WHERE name = $1 AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
      [name],
    );

  beforeAll(async () => {
    h = await TransferManagerHarness.start();
  });
  afterAll(() => h?.stop());

  it('sends new data to the next buffer by priority while the first is inactive, and back once it is active', async () => {
    expect(await nextForCologne()).toBe('cologne/buffer');
    await setBuffer('buffer', 'active = false');
    expect(await nextForCologne()).toBe('cologne/buffer_secondary');
    // What went to the first buffer before stays there: its transfer is not moved elsewhere.
    const [first] = await h.ds.query(
      `SELECT l.name FROM data_transfer t JOIN data_location l ON l.id = t.destination_location_id
         JOIN data_transfer_package d ON d.id = t.data_transfer_package_id WHERE d.name = 'bundle_1'`,
    );
    expect(first.name).toBe('buffer');
    await setBuffer('buffer', 'active = true');
    expect(await nextForCologne()).toBe('cologne/buffer');
  });

  it('skips a buffer over its disk threshold the same way, and waits when no buffer of the site takes data', async () => {
    // The test disk is more than 1 % full.
    await setBuffer('buffer', 'disk_usage_threshold_percent = 1');
    expect(await nextForCologne()).toBe('cologne/buffer_secondary');
    await setBuffer('buffer_secondary', 'active = false');
    expect(await nextForCologne()).toBeNull();
    const [{ waiting }] = await h.ds.query(
      `SELECT count(*)::int AS waiting FROM data_transfer_package d
        WHERE NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = d.id)`,
    );
    expect(waiting).toBe(1);
    await setBuffer('buffer', 'disk_usage_threshold_percent = 90');
    await setBuffer('buffer_secondary', 'active = true');
  });
});
