import { readdirSync } from 'node:fs';
import { ADMIN_PAGE_DIR, ADMIN_PAGE_FILES, adminAsset } from './admin-page-assets';

describe('the admin page files', () => {
  it('lists exactly the files of the public folder: a new file is served only once it is listed', () => {
    expect([...ADMIN_PAGE_FILES].sort()).toEqual(readdirSync(ADMIN_PAGE_DIR).sort());
  });

  it('serves a listed file by its name and nothing else, whatever the request makes of the path', () => {
    expect(adminAsset('console.js')).toBe('console.js');
    for (const name of [
      '..',
      '../admin-page.controller.ts',
      '%2e%2e%2fpackage.json',
      'queues',
      '',
      'INDEX.HTML',
    ])
      expect(adminAsset(name)).toBeNull();
  });
});
