import Redis from 'ioredis';

// Drop expired holders; take a slot if this holder has one already or one is free.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const LEASE_MS = 30_000;

/**
 * At most `limit` pulls at once on one route, across every worker: a counting semaphore in Redis whose
 * slots are leases, renewed while held, so a worker that dies frees its slot within LEASE_MS.
 */
export class RouteSlots {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly limit: number,
  ) {}

  async hold<T>(holder: string, work: () => Promise<T>): Promise<T> {
    while (!(await this.tryAcquire(holder))) await new Promise((r) => setTimeout(r, 500));
    const renew = setInterval(() => void this.tryAcquire(holder).catch(() => undefined), LEASE_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.zrem(this.key, holder).catch(() => undefined);
    }
  }

  private async tryAcquire(holder: string): Promise<boolean> {
    const got = await this.redis.eval(ACQUIRE, 1, this.key, Date.now(), LEASE_MS, this.limit, holder);
    return got === 1;
  }
}
