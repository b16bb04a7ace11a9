import { Bandwidth } from './bandwidth';

describe('Bandwidth (a per-process cap on pulled bytes per second)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const settled = async (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    await jest.advanceTimersByTimeAsync(0);
    return () => done;
  };

  it('lets one second of burst through, then paces chunks to the rate', async () => {
    const cap = new Bandwidth(1000);
    expect((await settled(cap.take(1000)))()).toBe(true); // the burst allowance
    const next = await settled(cap.take(500)); // 500 bytes more at 1000 B/s: due in 500 ms
    expect(next()).toBe(false);
    await jest.advanceTimersByTimeAsync(499);
    expect(next()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(next()).toBe(true);
  });

  it('shares the rate between concurrent pulls', async () => {
    const cap = new Bandwidth(1000);
    await cap.take(1000);
    const a = await settled(cap.take(1000));
    const b = await settled(cap.take(1000));
    await jest.advanceTimersByTimeAsync(1000);
    expect([a(), b()]).toEqual([true, false]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(b()).toBe(true);
  });

  it('does not let an idle period build up more than one second of burst', async () => {
    const cap = new Bandwidth(1000);
    await jest.advanceTimersByTimeAsync(60_000);
    expect((await settled(cap.take(1000)))()).toBe(true);
    expect((await settled(cap.take(1000)))()).toBe(false);
  });

  it('does nothing at a rate of 0 (no cap)', async () => {
    const cap = new Bandwidth(0);
    expect((await settled(cap.take(10 ** 12)))()).toBe(true);
  });
});
