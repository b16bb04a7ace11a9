import { HeldConditions } from './unserved-queues';

describe('HeldConditions', () => {
  const WAIT = 300;
  const FORGET = 120;

  it('holds a condition once this process has seen it for the wait, and starts again once it cleared', () => {
    const held = new HeldConditions();
    expect([...held.held(['a'], WAIT, 600, 0)]).toEqual([]);
    expect([...held.held(['a', 'b'], WAIT, 600, 200)]).toEqual([]);
    expect([...held.held(['a', 'b'], WAIT, 600, 300)]).toEqual(['a']);
    expect([...held.held(['b'], WAIT, 600, 400)]).toEqual([]);
    expect([...held.held(['a', 'b'], WAIT, 600, 500)]).toEqual(['b']);
  });

  it('forgets what it saw when it did not look for too long (another process ran the cycles)', () => {
    const held = new HeldConditions();
    held.held(['a'], WAIT, FORGET, 0);
    held.held(['a'], WAIT, FORGET, 100);
    expect([...held.held(['a'], WAIT, FORGET, 300)]).toEqual([]);
    for (const at of [400, 500]) expect([...held.held(['a'], WAIT, FORGET, at)]).toEqual([]);
    expect([...held.held(['a'], WAIT, FORGET, 600)]).toEqual(['a']);
  });

  it('holds at once with no wait', () => {
    expect([...new HeldConditions().held(['a'], 0, 0, 5)]).toEqual(['a']);
  });
});
