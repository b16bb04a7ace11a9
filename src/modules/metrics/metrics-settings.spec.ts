import { validateEnvironment } from '../../config/environment';

describe('metrics settings (environment)', () => {
  it('leaves /metrics open by default and bounds the pipeline reads by 2s', () => {
    const env = validateEnvironment({});
    expect(env.METRICS_TOKEN).toBeUndefined();
    expect(env.METRICS_COLLECT_TIMEOUT).toBe(2000);
    expect(validateEnvironment({ METRICS_COLLECT_TIMEOUT: '5s' }).METRICS_COLLECT_TIMEOUT).toBe(5000);
  });

  it('refuses a METRICS_TOKEN too short to be a secret, naming it', () => {
    expect(() => validateEnvironment({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN="short"/);
    expect(validateEnvironment({ METRICS_TOKEN: 'a-long-enough-shared-secret' }).METRICS_TOKEN).toBe(
      'a-long-enough-shared-secret',
    );
  });
});
