import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { statfs } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { StorageType } from '../../catalog/locations/location-type';

/** Used when a location sets no threshold of its own. */
const DEFAULT_THRESHOLD_PERCENT = 95;

/**
 * Free space of the disk locations mounted on this host (a location whose root is not here belongs to
 * another host's worker and is not reported). Down if one is above its usage threshold.
 */
@Injectable()
export class DiskHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'disk') {
    const session = this.indicators.check(key);
    const locations = await this.dataSource
      .getRepository(DataLocation)
      .find({ where: { storageType: StorageType.DISK, active: true }, relations: { site: true } })
      .catch(() => null);
    if (!locations) return session.down({ message: 'cannot list disk locations: database unreachable' });
    const report: Record<string, unknown> = {};
    const full: string[] = [];
    for (const location of locations) {
      const stats = await statfs(location.rootPath!).catch(() => null);
      if (!stats) continue;
      const total = stats.blocks * stats.bsize;
      const free = stats.bavail * stats.bsize;
      const usedPercent = total > 0 ? Math.round(((total - free) / total) * 1000) / 10 : 0;
      const threshold = location.diskUsageThresholdPercent ?? DEFAULT_THRESHOLD_PERCENT;
      const name = `${location.site!.shortName}_${location.name}`;
      report[name] = { path: location.rootPath, freeBytes: free, totalBytes: total, usedPercent, threshold };
      if (usedPercent > threshold) full.push(`${name} is ${usedPercent}% full (threshold ${threshold}%)`);
    }
    return full.length ? session.down({ ...report, message: full.join('; ') }) : session.up(report);
  }
}
