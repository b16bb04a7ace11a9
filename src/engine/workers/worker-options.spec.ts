import { parseWorkerArgs } from './worker-options';

describe('parseWorkerArgs', () => {
  it('reads a site, locations and the managers role', () => {
    expect(parseWorkerArgs(['--site', 'CCAT'])).toEqual({
      site: 'ccat',
      locations: undefined,
      managers: false,
    });
    expect(parseWorkerArgs(['--locations', 'ccat_buffer, cologne_lta'])).toMatchObject({
      locations: ['ccat_buffer', 'cologne_lta'],
    });
    expect(parseWorkerArgs(['--role', 'managers'])).toMatchObject({ managers: true });
  });

  it('refuses a process that would serve nothing, or an unknown role', () => {
    expect(() => parseWorkerArgs([])).toThrow(/say what to serve/);
    expect(() => parseWorkerArgs(['--role', 'boss'])).toThrow(/--role must be/);
    expect(() => parseWorkerArgs(['--sight', 'ccat'])).toThrow();
  });
});
