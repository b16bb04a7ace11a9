import Redis from 'ioredis';
import { createServer } from 'node:net';
import { SharedAuthFailureLimiter } from './shared-auth-failure-limiter';

/** A port nothing listens on: a Redis there is unreachable (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Without Redis, the limit is this process's own: neither lifted (every guess let through) nor turned into
 * a refusal of everyone. Sharing the count through a real Redis is tried in test/security.e2e-spec.ts.
 */
describe('SharedAuthFailureLimiter when Redis cannot count', () => {
  let unreachable: Redis;

  beforeAll(async () => {
    unreachable = new Redis({
      port: await closedPort(),
      host: '127.0.0.1',
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    unreachable.on('error', () => undefined);
    // It gives up at once (no retries), which leaves nothing open behind the test.
    await new Promise((resolve) => unreachable.once('end', resolve));
  });

  it.each([
    ['no Redis client', () => undefined],
    ['a Redis that refuses connections', () => unreachable],
  ])('with %s, limits each address per process', async (_what, redis) => {
    const limiter = new SharedAuthFailureLimiter(3, redis(), 'spec:');
    for (let i = 0; i < 3; i++) {
      await expect(limiter.assertAllowed('198.51.100.1')).resolves.toBeUndefined();
      await limiter.recordFailure('198.51.100.1');
    }
    await expect(limiter.assertAllowed('198.51.100.1')).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(
        /^too many failed authentications from 198\.51\.100\.1 \(3 in the last minute\); try again in \d+ s$/,
      ),
    });
    await expect(limiter.assertAllowed('198.51.100.2')).resolves.toBeUndefined();
  });
});
