import { PRIORITY_LIMIT } from 'bullmq';
import { JOB_PRIORITY, jobPriority } from './job-priority';

describe('job priority', () => {
  it('puts urgent work ahead of normal work: a lower BullMQ number runs first', () => {
    expect(jobPriority(true)).toBe(JOB_PRIORITY.urgent);
    expect(jobPriority(false)).toBe(JOB_PRIORITY.normal);
    expect(jobPriority(true)!).toBeLessThan(jobPriority(false)!);
  });

  it('gives normal work an explicit priority too, since BullMQ runs unprioritized jobs before all others', () => {
    // 0 is "no priority": a normal job left at 0 would overtake every urgent one.
    expect(jobPriority(false)).toBeGreaterThan(0);
    expect(jobPriority(true)).toBeGreaterThan(0);
  });

  it('stays within what BullMQ accepts', () => {
    for (const p of Object.values(JOB_PRIORITY)) {
      expect(Number.isInteger(p)).toBe(true);
      expect(p).toBeLessThanOrEqual(PRIORITY_LIMIT);
    }
  });

  it('leaves work not tied to obs units unprioritized (a plain queue, first in first out)', () => {
    expect(jobPriority(undefined)).toBeUndefined();
  });
});
