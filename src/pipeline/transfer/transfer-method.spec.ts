import { DataLocation } from '../../catalog/locations/data-location.entity';
import { TransferMethod } from './data-transfer.entity';
import { transferMethod } from './transfer-method';

const location = (siteId: number, dataUrl = '') => Object.assign(new DataLocation(), { siteId, dataUrl });

describe('transferMethod', () => {
  it('is http between sites when the origin publishes a data URL', () => {
    expect(transferMethod(location(1, 'http://ccat:3100/data/ccat/buffer'), location(2))).toBe(
      TransferMethod.HTTP,
    );
  });

  it('is local between sites when the origin has no data URL (a shared mount)', () => {
    expect(transferMethod(location(1), location(2))).toBe(TransferMethod.LOCAL);
  });

  it('is local within a site, data URL or not', () => {
    expect(transferMethod(location(2, 'http://cologne:3100/data/cologne/buffer'), location(2))).toBe(
      TransferMethod.LOCAL,
    );
  });
});
