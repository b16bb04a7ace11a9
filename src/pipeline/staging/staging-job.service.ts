import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { CreateStagingJobDto } from './dto/create-staging-job.dto';
import { StagingJob } from './staging-job.entity';
import { LocationType } from '../../catalog/locations/location-type';
import { takesNewWork } from '../../catalog/locations/location.queries';
import { countRegisteredFiles, fileTotalsOfPackages, packagesOfFiles } from '../ingest/raw-data-file.queries';
import {
  existingPackages,
  packagesNotInAnArchive,
  packagesOfObsUnit,
  sourceLocationOfPackage,
} from '../packaging/raw-data-package.queries';

export interface StagingJobView {
  id: string;
  status: string;
  location: string;
  requestedBy: string;
  request: Record<string, unknown>;
  packages: number;
  packagesStaged: number;
  stagedUnder: string[];
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  failureReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
  releasedAt: Date | null;
  retainUntil: Date | null;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Requests, progress and release of staging jobs, checked before anything is written. */
@Injectable()
export class StagingJobService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(dto: CreateStagingJobDto, requestedBy: string): Promise<StagingJobView> {
    const asked = (['packages', 'files', 'obsUnit'] as const).filter((k) => dto[k] !== undefined);
    if (asked.length !== 1)
      throw new DomainError('VALIDATION', 'name exactly one of packages, files or obsUnit');
    const id = await this.dataSource.transaction(async (m) => {
      const location =
        dto.site !== undefined
          ? await this.processingLocationAt(m, dto.site)
          : await this.processingLocation(m, dto.location ?? '');
      const packages = await this.packagesOf(m, dto);
      if (packages.length === 0)
        throw new DomainError('NOT_FOUND', `nothing to stage: ${asked[0]} names no package`);
      const notArchived = await packagesNotInAnArchive(m, packages, 5);
      if (notArchived.length)
        throw new DomainError(
          'CONFLICT',
          `not archived yet, nothing to stage from: ${notArchived.join(', ')}`,
        );
      const totals = await fileTotalsOfPackages(m, packages);
      const retainUntil = dto.retention
        ? new Date(Date.now() + Number(dto.retention.slice(0, -1)) * UNIT_MS[dto.retention.slice(-1)])
        : null;
      const job = await m.save(
        m.create(StagingJob, {
          destinationLocationId: location,
          requestedBy,
          request: { [asked[0]]: dto[asked[0]] },
          filesTotal: totals.files,
          bytesTotal: Number(totals.bytes),
          retainUntil,
        }),
      );
      await m.query(
        `INSERT INTO staging_job_package (staging_job_id, raw_data_package_id) SELECT $1, unnest($2::uuid[])`,
        [job.id, packages],
      );
      return job.id;
    });
    return this.get(id);
  }

  async get(id: string): Promise<StagingJobView> {
    const [row] = await this.dataSource.query(
      `SELECT j.id, j.status, s.short_name || '_' || l.name AS location, j.requested_by AS "requestedBy", j.request,
              (SELECT count(*) FROM staging_job_package jp WHERE jp.staging_job_id = j.id)::int AS packages,
              (SELECT count(*) FROM staging_job_package jp WHERE jp.staging_job_id = j.id AND jp.staged_at IS NOT NULL)::int
                AS "packagesStaged",
              ARRAY(SELECT DISTINCT ss.short_name || '/' || sl.name FROM staging_job_package jp
                      JOIN data_location sl ON sl.id = ${sourceLocationOfPackage('jp.raw_data_package_id')}
                      JOIN site ss ON ss.id = sl.site_id
                     WHERE jp.staging_job_id = j.id ORDER BY 1) AS "stagedUnder",
              j.files_total AS "filesTotal", j.files_done AS "filesDone", j.bytes_total::float8 AS "bytesTotal",
              j.bytes_done::float8 AS "bytesDone", j.failure_reason AS "failureReason", j.created_at AS "createdAt",
              j.completed_at AS "completedAt", j.released_at AS "releasedAt", j.retain_until AS "retainUntil"
         FROM staging_job j JOIN data_location l ON l.id = j.destination_location_id JOIN site s ON s.id = l.site_id
        WHERE j.id = $1`,
      [id],
    );
    if (!row) throw new DomainError('NOT_FOUND', `no staging job ${id}`);
    return row;
  }

  /** The job no longer needs its files: the deletion rules remove them from the processing location. */
  async release(id: string): Promise<StagingJobView> {
    const [, changed] = await this.dataSource.query(
      `UPDATE staging_job SET released_at = now(), updated_at = now() WHERE id = $1 AND released_at IS NULL RETURNING id`,
      [id],
    );
    if (!changed) {
      const job = await this.get(id); // 404 if there is none
      throw new DomainError(
        'CONFLICT',
        `staging job ${id} was already released at ${job.releasedAt?.toISOString()}`,
      );
    }
    return this.get(id);
  }

  private async processingLocation(m: EntityManager, name: string): Promise<number> {
    const [l] = await m.query(
      `SELECT l.id, l.location_type AS type, l.active, l.draining FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE s.short_name || '_' || l.name = $1`,
      [name],
    );
    if (!l)
      throw new DomainError(
        'NOT_FOUND',
        `no location ${name} (expected <site>_<location>, e.g. cologne_ramses_processing)`,
      );
    if (l.type !== 'processing')
      throw new DomainError(
        'VALIDATION',
        `location ${name} is a ${l.type} location; staging goes to a processing location`,
      );
    if (!l.active)
      throw new DomainError('CONFLICT', `location ${name} is offline; name its site to use the next`);
    if (l.draining)
      throw new DomainError(
        'CONFLICT',
        `location ${name} is draining: it takes no new work; name its site to use the next`,
      );
    return l.id;
  }

  /** The first processing location at `site` that takes new work, by priority. */
  private async processingLocationAt(m: EntityManager, site: string): Promise<number> {
    const [s] = await m.query(`SELECT id FROM site WHERE short_name = $1`, [site]);
    if (!s) throw new DomainError('NOT_FOUND', `no site ${site}`);
    const [l] = await m.query(
      `SELECT l.id FROM data_location l WHERE l.site_id = $1 AND l.location_type = '${LocationType.PROCESSING}'
          AND ${takesNewWork('l')} ORDER BY l.priority, l.id LIMIT 1`,
      [s.id],
    );
    if (!l) throw new DomainError('CONFLICT', `site ${site} has no processing location that takes new work`);
    return l.id;
  }

  private async packagesOf(m: EntityManager, dto: CreateStagingJobDto): Promise<string[]> {
    const ids = dto.packages
      ? await existingPackages(m, dto.packages)
      : dto.files
        ? await packagesOfFiles(m, dto.files)
        : await packagesOfObsUnit(m, dto.obsUnit ?? '');
    const wanted = dto.packages ?? [];
    const unknown = wanted.filter((id) => !ids.includes(id));
    if (unknown.length)
      throw new DomainError('NOT_FOUND', `no raw data package ${unknown.slice(0, 3).join(', ')}`);
    if (dto.files) {
      if ((await countRegisteredFiles(m, dto.files)) !== new Set(dto.files).size)
        throw new DomainError('NOT_FOUND', 'some of the files are not registered');
    }
    return ids;
  }
}
