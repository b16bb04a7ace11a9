import { describeWorker, parseWorkerArgs } from './worker-options';

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

  it('reads queues and operations, alone or with a site', () => {
    expect(parseWorkerArgs(['--queues', 'ccat_buffer_deletion,,CCAT_BUFFER_MONITORING '])).toMatchObject({
      queues: ['ccat_buffer_deletion', 'ccat_buffer_monitoring'],
    });
    const options = parseWorkerArgs(['--site', 'cologne', '--operations', 'deletion, monitoring']);
    expect(options).toMatchObject({ site: 'cologne', operations: ['deletion', 'monitoring'] });
    expect(describeWorker(options)).toBe('site cologne, only operations deletion,monitoring');
    expect(describeWorker(parseWorkerArgs(['--queues', 'a,b', '--role', 'managers']))).toBe(
      'queues a,b + managers',
    );
  });

  it('refuses an unknown operation, naming it and the known ones', () => {
    expect(() => parseWorkerArgs(['--operations', 'deletion,sorting'])).toThrow(
      /^unknown operation sorting in --operations; the operations are raw_data_package_creation, .*, fixity$/,
    );
  });

  it('refuses a process that would serve nothing, or an unknown role', () => {
    expect(() => parseWorkerArgs([])).toThrow(/say what to serve/);
    expect(() => parseWorkerArgs(['--queues', ' , '])).toThrow(/say what to serve/);
    expect(() => parseWorkerArgs(['--role', 'boss'])).toThrow(/--role must be/);
    expect(() => parseWorkerArgs(['--sight', 'ccat'])).toThrow();
  });
});
