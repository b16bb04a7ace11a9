import { RouteSlots } from '../src/pipeline/transfer/http/route-slots';
import { redisNamespace, RedisNamespace } from './support/processes';

/** The per-route limit on concurrent pulls, as a lease semaphore in a real Redis. */
describe('RouteSlots (real Redis)', () => {
  let ns: RedisNamespace;
  const key = () => `${ns.env.REDIS_KEY_PREFIX}transfer_route:1:2`;

  beforeEach(() => (ns = redisNamespace()));
  afterEach(() => ns.cleanup());

  it('never lets more than the limit pull at once across holders, and every holder gets its turn', async () => {
    // Two "workers" with their own view of the same route.
    const slots = [new RouteSlots(ns.redis, key(), 2), new RouteSlots(ns.redis, key(), 2)];
    let running = 0;
    let most = 0;
    const done: string[] = [];
    await Promise.all(
      ['t1', 't2', 't3', 't4', 't5'].map((id, i) =>
        slots[i % 2].hold(id, async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 300));
          running--;
          done.push(id);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(await ns.redis.zcard(key())).toBe(0);
  });

  it('frees the slot of a holder that died once its lease ran out, and frees it on failure too', async () => {
    const slots = new RouteSlots(ns.redis, key(), 1);
    // A dead worker's lease, expired a moment ago: it does not block the route.
    await ns.redis.zadd(key(), Date.now() - 1, 'dead-transfer');
    await expect(slots.hold('t1', async () => 'pulled')).resolves.toBe('pulled');
    await expect(
      slots.hold('t2', async () => {
        throw new Error('cut');
      }),
    ).rejects.toThrow('cut');
    expect(await ns.redis.zcard(key())).toBe(0);
    // A live lease does block it.
    await ns.redis.zadd(key(), Date.now() + 30_000, 'live-transfer');
    let started = false;
    const waiting = slots.hold('t3', async () => (started = true));
    await new Promise((r) => setTimeout(r, 700));
    expect(started).toBe(false);
    await ns.redis.zrem(key(), 'live-transfer');
    await waiting;
    expect(started).toBe(true);
  });
});
