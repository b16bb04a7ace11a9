import { renderTable } from './report-table';

describe('renderTable', () => {
  it('prints a header, a rule and the rows, without an index column or quotes', () => {
    expect(
      renderTable([
        { location: 'ccat/buffer', files: 12, since: null },
        { location: 'cologne/lta', files: 3, since: new Date('2026-12-04T00:00:00Z') },
      ]),
    ).toBe(
      [
        'location     files  since',
        '-----------  -----  ------------------------',
        'ccat/buffer     12  -',
        'cologne/lta      3  2026-12-04T00:00:00.000Z',
      ].join('\n'),
    );
  });

  it('takes the union of the rows keys and says (none) for no rows', () => {
    expect(renderTable([{ a: 'x' }, { b: 'y' }]).split('\n')[2]).toBe('x  -');
    expect(renderTable([])).toBe('(none)');
  });
});
