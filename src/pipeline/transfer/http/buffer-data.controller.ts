import {
  Controller,
  Get,
  HttpCode,
  Headers,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { DomainExceptionFilter } from '../../../engine/http/domain-exception.filter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { DomainError } from '../../../engine/errors/domain-error';
import { TokenScope } from '../../../engine/auth/api-token.entity';
import { AuthenticatedRequest, BearerTokenGuard } from '../../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../../engine/auth/scopes.decorator';
import { DataLocation } from '../../../catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../../../catalog/locations/location-type';
import { StorageService } from '../../../engine/storage/storage.service';
import { CopyKind, CopyStatus } from '../../../catalog/physical-copies/physical-copy.states';
import { confirmLoss } from '../../../operations/consistency/lost-copies';
import { ORIGIN_CHECK_DETECTORS, OriginCheckAnswer } from './origin-check';
import { WORKER_OPTIONS, WorkerOptions } from '../../../engine/workers/worker-options';
import { queuesOfLocation, selectsLocation } from '../../../engine/workers/worker-selection';
import { parseRange } from './byte-range';
import { isTemporaryPath, readByOpenWorkForSite } from './site-reads';
import {
  PROTOCOL_HEADER,
  PROTOCOL_HEADERS,
  RELEASE_HEADER,
  peerProtocol,
  protocolMismatch,
} from '../../../engine/release/release';

/**
 * A worker's buffers, and the package objects of its archives, served read-only to the workers of other
 * sites (transfer method `http`): `GET /data/<site>/<location>/<path>`, a transfer-scoped token required,
 * one byte range per request (`Range: bytes=a-b`, 206), so a destination pulls in parallel streams and
 * resumes where a cut left it. Only locations this worker serves; nothing else of the disk is reachable
 * (the storage refuses paths that leave the root). Of an archive, only a package copy recorded PRESENT
 * there is served (what archive-to-archive replication reads): the archive's credentials never leave its
 * site, and nothing else of the bucket is reachable through this port. Temporaries (`.part`, `.resume`,
 * any dot-file) are never served. A transfer token bound to a site reads only what open work bound for
 * that site reads here (site-reads.ts); anything else is "no file", so it learns nothing of what exists.
 * Both sides name their protocol (common/release): a puller this build cannot serve gets a 409 naming
 * both versions.
 *
 * `POST` on a file's address asks this worker to look at its own copy, because a puller read it in full and
 * its bytes were not what was recorded: a copy found bad here is marked LOST and healed (origin-check.ts).
 */
@Controller('data')
@UseGuards(BearerTokenGuard)
@UseFilters(DomainExceptionFilter)
@RequireScope(TokenScope.TRANSFER)
export class BufferDataController {
  private readonly logger = new Logger(BufferDataController.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
  ) {}

  @Get(':site/:location/*path')
  async serve(
    @Param('site') site: string,
    @Param('location') name: string,
    @Param('path') path: string | string[],
    @Headers('range') range: string | undefined,
    @Headers(PROTOCOL_HEADER) protocol: string | undefined,
    @Headers(RELEASE_HEADER) peerRelease: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    // Said on every answer, refusals included: the puller checks it before it reads a byte.
    for (const [name, value] of Object.entries(PROTOCOL_HEADERS)) res.setHeader(name, value);
    const mismatch = protocolMismatch(peerProtocol(protocol), 'the pulling worker', peerRelease);
    if (mismatch) throw new DomainError('CONFLICT', mismatch);
    const relativePath = Array.isArray(path) ? path.join('/') : path;
    const location = await this.servedLocation(site, name);
    await this.assertReadable(req, `${site}/${name}`, location, relativePath);
    if (location.locationType === LocationType.LONG_TERM_ARCHIVE)
      await this.assertArchivedPackage(location, relativePath);
    const backend = this.storage.backendFor(location);
    const info = await backend.stat(relativePath).catch(() => null);
    if (!info) throw new DomainError('NOT_FOUND', `${site}/${name} has no file ${relativePath}`);
    const wanted = parseRange(range, info.size);
    if (wanted === 'unsatisfiable') {
      res.status(416).setHeader('Content-Range', `bytes */${info.size}`).end();
      return;
    }
    const { start, end } = wanted ?? { start: 0, end: info.size - 1 };
    res.status(wanted ? 206 : 200);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    if (wanted) res.setHeader('Content-Range', `bytes ${start}-${end}/${info.size}`);
    if (info.size === 0) {
      res.end();
      return;
    }
    const stream = await backend.read(relativePath, { start, end });
    stream.on('error', (err) => {
      this.logger.warn(`serving ${site}/${name}/${relativePath} failed: ${err.message}`);
      res.destroy(err);
    });
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  }

  @Post(':site/:location/*path')
  @HttpCode(200)
  async check(
    @Param('site') site: string,
    @Param('location') name: string,
    @Param('path') path: string | string[],
    @Query('detectedBy') detectedBy: string | undefined,
    @Query('details') details: string | undefined,
    @Headers(PROTOCOL_HEADER) protocol: string | undefined,
    @Headers(RELEASE_HEADER) peerRelease: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OriginCheckAnswer> {
    for (const [header, value] of Object.entries(PROTOCOL_HEADERS)) res.setHeader(header, value);
    const mismatch = protocolMismatch(peerProtocol(protocol), 'the checking worker', peerRelease);
    if (mismatch) throw new DomainError('CONFLICT', mismatch);
    const detector = ORIGIN_CHECK_DETECTORS.find((d) => d === detectedBy);
    if (!detector)
      throw new DomainError('VALIDATION', `detectedBy must be one of: ${ORIGIN_CHECK_DETECTORS.join(', ')}`);
    const relativePath = Array.isArray(path) ? path.join('/') : path;
    const location = await this.servedLocation(site, name);
    await this.assertReadable(req, `${site}/${name}`, location, relativePath);
    const found = await confirmLoss(
      this.dataSource,
      this.storage.backendFor(location),
      { locationId: location.id, path: relativePath },
      detector,
      `${(details ?? 'read in full by another site').slice(0, 500)} (confirmed at ${site}/${name})`,
    );
    if (!found) throw new DomainError('NOT_FOUND', `${site}/${name} records no live copy ${relativePath}`);
    const { loss } = found;
    if (loss)
      this.logger.warn(
        `${site}/${name}/${relativePath}: ${loss}, found by ${detector}; marked LOST to be healed`,
      );
    return { loss };
  }

  private async servedLocation(site: string, name: string): Promise<DataLocation> {
    const location = await this.dataSource
      .getRepository(DataLocation)
      .createQueryBuilder('l')
      .innerJoin('l.site', 's')
      .where('s.short_name = :site AND l.name = :name', { site, name })
      .getOne();
    const servable =
      (location?.locationType === LocationType.BUFFER && location.storageType === StorageType.DISK) ||
      (location?.locationType === LocationType.LONG_TERM_ARCHIVE &&
        location.storageType !== StorageType.TAPE);
    const served =
      location &&
      servable &&
      selectsLocation(this.options, queuesOfLocation(site, name, location.locationType));
    if (!served)
      throw new DomainError('NOT_FOUND', `this worker serves no buffer or archive ${site}/${name}`);
    return location;
  }

  /**
   * Never a temporary; and for a token bound to a site, only what open work bound for that site reads here.
   * Refused as "no file", the wording of a path that does not exist, so a refusal reveals nothing.
   */
  private async assertReadable(
    req: AuthenticatedRequest,
    where: string,
    location: DataLocation,
    relativePath: string,
  ): Promise<void> {
    const boundTo = req.principal?.site;
    const readable =
      !isTemporaryPath(relativePath) &&
      (!boundTo || (await readByOpenWorkForSite(this.dataSource, location.id, relativePath, boundTo)));
    if (!readable) throw new DomainError('NOT_FOUND', `${where} has no file ${relativePath}`);
  }

  /** An archive serves only package copies it holds PRESENT: never a sidecar, a temporary or anything else. */
  private async assertArchivedPackage(location: DataLocation, relativePath: string): Promise<void> {
    const [copy] = await this.dataSource.query(
      `SELECT 1 FROM physical_copy WHERE location_id = $1 AND relative_path = $2
          AND kind = '${CopyKind.RAW_DATA_PACKAGE}' AND status = '${CopyStatus.PRESENT}'`,
      [location.id, relativePath],
    );
    if (!copy)
      throw new DomainError(
        'NOT_FOUND',
        `${location.name} has no file ${relativePath} among its archived packages`,
      );
  }
}
