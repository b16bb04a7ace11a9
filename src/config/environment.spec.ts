import { ApiSettings } from './api-settings';
import { Environment, validateEnvironment } from './environment';
import { ManagerSafetySettings } from './manager-safety-settings';
import { ManagerSettings } from './manager-settings';
import { RelaySettings } from './relay-settings';
import { SecuritySettings } from './security-settings';
import { SharedSettings } from './shared-settings';
import { WorkerSettings } from './worker-settings';

describe('the settings of each role', () => {
  it('declare each setting once, and together they are Environment', () => {
    const groups = [
      SharedSettings,
      ApiSettings,
      RelaySettings,
      WorkerSettings,
      ManagerSettings,
      ManagerSafetySettings,
      SecuritySettings,
    ];
    const declared = groups.flatMap((group) => Object.keys(new (group(class {}))()));
    expect(declared.length).toBeGreaterThan(60);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...declared].sort()).toEqual(Object.keys(new Environment()).sort());
  });
});

describe('validateEnvironment', () => {
  it('fills in defaults for everything that is not set', () => {
    const env = validateEnvironment({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ccat');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.API_PORT).toBe(3000);
  });

  it('takes the worker TLS files as a pair: both or neither', () => {
    expect(validateEnvironment({}).WORKER_TLS_CERT).toBeUndefined();
    expect(
      validateEnvironment({ WORKER_TLS_CERT: '/etc/ccat/tls.crt', WORKER_TLS_KEY: '/etc/ccat/tls.key' })
        .WORKER_TLS_KEY,
    ).toBe('/etc/ccat/tls.key');
    expect(() => validateEnvironment({ WORKER_TLS_CERT: '/etc/ccat/tls.crt' })).toThrow(
      /WORKER_TLS_KEY \(not set\): WORKER_TLS_CERT and WORKER_TLS_KEY go together/,
    );
  });

  it('parses numbers given as strings', () => {
    expect(validateEnvironment({ API_PORT: '4123' }).API_PORT).toBe(4123);
  });

  it('refuses a bad setting with a message naming it and what is wrong, never its value', () => {
    expect(() => validateEnvironment({ API_PORT: 'eighty' })).toThrow(
      /API_PORT \(set; its value is not shown\): API_PORT must be an integer/,
    );
    const secret = 'mysql://admin:hunter2-secret@db.example.org/ccat';
    const refusal = (() => {
      try {
        validateEnvironment({ DATABASE_URL: secret });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(refusal).toMatch(/DATABASE_URL \(set; its value is not shown\)/);
    expect(refusal).not.toContain('hunter2');
    expect(refusal).not.toContain(secret);
  });
});

describe('durations and sizes', () => {
  it('reads human units', () => {
    const env = validateEnvironment({
      OBS_UNIT_GRACE: '30m',
      RAW_PACKAGE_MAX_BYTES: '2GiB',
      HEARTBEAT_TTL: '90s',
    });
    expect(env.OBS_UNIT_GRACE).toBe(1_800_000);
    expect(env.RAW_PACKAGE_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(env.HEARTBEAT_TTL).toBe(90_000);
    expect(validateEnvironment({ RAW_PACKAGE_MAX_BYTES: '50GB' }).RAW_PACKAGE_MAX_BYTES).toBe(50e9);
  });

  it('refuses nonsense naming the setting', () => {
    expect(() => validateEnvironment({ OBS_UNIT_GRACE: 'soon' })).toThrow(
      /OBS_UNIT_GRACE \(set; its value is not shown\): OBS_UNIT_GRACE must be a duration/,
    );
  });
});

describe('the site-relay role', () => {
  it('needs a journal directory, the central URL and a token, and only in that role', () => {
    expect(validateEnvironment({}).API_ROLE).toBe('central');
    expect(() => validateEnvironment({ API_ROLE: 'site-relay' })).toThrow(
      /SITE_RELAY_DIR is required[\s\S]*SITE_RELAY_CENTRAL_URL must be an http\(s\):\/\/ URL[\s\S]*SITE_RELAY_TOKEN must be an API token/,
    );
    const env = validateEnvironment({
      API_ROLE: 'site-relay',
      SITE_RELAY_DIR: '/var/lib/ccat-dt/site-relay',
      SITE_RELAY_CENTRAL_URL: 'https://ccat-dt.example.org',
      SITE_RELAY_TOKEN: 'ccat_0123456789abcdef',
      SITE_RELAY_MAX_BACKOFF: '1m',
    });
    expect(env.SITE_RELAY_MAX_BACKOFF).toBe(60_000);
    expect(() => validateEnvironment({ API_ROLE: 'relay' })).toThrow(/API_ROLE/);
  });
});

describe('DELETION_MIN_LTA_SITES (formerly DELETION_MIN_LTA_COPIES)', () => {
  it('defaults to two sites', () => {
    expect(validateEnvironment({}).DELETION_MIN_LTA_SITES).toBe(2);
  });

  it('still takes the old name for one release, with a deprecation warning', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(validateEnvironment({ DELETION_MIN_LTA_COPIES: '3' }).DELETION_MIN_LTA_SITES).toBe(3);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/DELETION_MIN_LTA_COPIES is deprecated.*DELETION_MIN_LTA_SITES/),
        expect.objectContaining({ type: 'DeprecationWarning' }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses to start when the old and the new name disagree', () => {
    expect(() => validateEnvironment({ DELETION_MIN_LTA_COPIES: '1', DELETION_MIN_LTA_SITES: '2' })).toThrow(
      /DELETION_MIN_LTA_COPIES \(deprecated\) and DELETION_MIN_LTA_SITES are both set/,
    );
    expect(
      validateEnvironment({ DELETION_MIN_LTA_COPIES: '2', DELETION_MIN_LTA_SITES: '2' })
        .DELETION_MIN_LTA_SITES,
    ).toBe(2);
  });

  it('refuses fewer than one site, naming the new setting', () => {
    expect(() => validateEnvironment({ DELETION_MIN_LTA_SITES: '0' })).toThrow(/DELETION_MIN_LTA_SITES/);
  });
});
