import { validateEnvironment } from '../../config/environment';

describe('metrics settings (environment)', () => {
  it('leaves /metrics open by default and bounds the pipeline reads by 2s', () => {
    const env = validateEnvironment({});
    expect(env.METRICS_TOKEN).toBeUndefined();
    expect(env.METRICS_COLLECT_TIMEOUT).toBe(2000);
    expect(validateEnvironment({ METRICS_COLLECT_TIMEOUT: '5s' }).METRICS_COLLECT_TIMEOUT).toBe(5000);
  });

  it('refuses a METRICS_TOKEN too short to be a secret, naming it', () => {
    // Named, and the token itself not echoed: start-up errors end up in logs.
    expect(() => validateEnvironment({ METRICS_TOKEN: 'tiny-secret' })).toThrow(
      /METRICS_TOKEN \(set; its value is not shown\)/,
    );
    expect(() => validateEnvironment({ METRICS_TOKEN: 'tiny-secret' })).not.toThrow(/tiny-secret/);
    expect(validateEnvironment({ METRICS_TOKEN: 'a-long-enough-shared-secret' }).METRICS_TOKEN).toBe(
      'a-long-enough-shared-secret',
    );
  });
});
