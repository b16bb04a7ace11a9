import { pullSetupProblem } from './pull-setup';

describe('pullSetupProblem: what a worker refuses to pull by its own settings', () => {
  const token = 'ccat_0123456789ab_' + 'x'.repeat(43);
  it.each([
    [
      'https, with a token',
      'https://cologne:8081/data/cologne/buffer',
      { token, allowInsecure: false },
      null,
    ],
    ['plain http, allowed', 'http://127.0.0.1:8081/data/ccat/buffer', { token, allowInsecure: true }, null],
    [
      'plain http, not allowed',
      'http://ccat:8081/data/ccat/buffer',
      { token, allowInsecure: false },
      'refusing to send TRANSFER_TOKEN over plain http to http://ccat:8081/data/ccat/buffer (to pull from ccat/buffer): ' +
        'give that worker TLS (WORKER_TLS_CERT/KEY) and an https dataUrl, or set TRANSFER_ALLOW_INSECURE=true where nothing crosses a network',
    ],
    [
      'no token, whatever the scheme',
      'https://ccat:8443/data/ccat/buffer',
      { allowInsecure: true },
      'TRANSFER_TOKEN is not set: this worker cannot pull from ccat/buffer over its data port https://ccat:8443/data/ccat/buffer; ' +
        'start it with a transfer token bound to its site (ccat-dt token create --scopes transfer --site <site>)',
    ],
  ])('%s', (_what, url, settings, problem) => {
    expect(pullSetupProblem(url, settings, 'pull from ccat/buffer')).toBe(problem);
  });
});
