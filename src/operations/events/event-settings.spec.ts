import { validateEnvironment } from '../../config/environment';

describe('the event settings', () => {
  it('relay every 2 s into a stream capped near a million entries unless set', () => {
    const env = validateEnvironment({});
    expect(env.EVENTS_RELAY_INTERVAL).toBe(2_000);
    expect(env.EVENTS_STREAM_MAXLEN).toBe(1_000_000);
    expect(validateEnvironment({ EVENTS_RELAY_INTERVAL: '500ms' }).EVENTS_RELAY_INTERVAL).toBe(500);
  });

  it('refuse a cap too small to hold a package worth of files, naming the setting', () => {
    expect(() => validateEnvironment({ EVENTS_STREAM_MAXLEN: '10' })).toThrow(
      /EVENTS_STREAM_MAXLEN \(set; its value is not shown\): EVENTS_STREAM_MAXLEN must be an integer of at least 1000/,
    );
  });
});
