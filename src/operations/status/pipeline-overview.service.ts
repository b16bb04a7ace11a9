import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PipelineOverviewModel } from './pipeline-overview.model';
import { StatusService } from './status.service';
import { TRANSFER_BYTES_TO_GO } from '../../pipeline/transfer/data-transfer.queries';
import { ARCHIVE_BYTES_IN_FLIGHT } from '../../pipeline/archive/long-term-archive.queries';
import { fileCountOfPackage } from '../../pipeline/packaging/raw-data-package.queries';

const HOUR_SECONDS = 3600;

/** The status screen plus what the console graphs: bytes in flight and the last hour's archive rate. */
@Injectable()
export class PipelineOverviewService {
  constructor(
    private readonly status: StatusService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async overview(): Promise<PipelineOverviewModel> {
    const status = await this.status.status();
    // A transfer in flight still has to receive what it has not yet; an upload to an archive is counted
    // whole, as it reports no progress.
    const [inFlight] = await this.dataSource.query(
      `SELECT ${TRANSFER_BYTES_TO_GO}::float8 + ${ARCHIVE_BYTES_IN_FLIGHT}::float8 AS bytes`,
    );
    const [archived] = await this.dataSource.query(
      `SELECT coalesce(sum(${fileCountOfPackage('c.raw_data_package_id')}), 0)::int AS files,
              coalesce(sum(c.size), 0)::float8 AS bytes
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE c.raw_data_package_id IS NOT NULL AND l.location_type = 'long_term_archive'
          AND c.created_at > now() - make_interval(secs => $1)`,
      [HOUR_SECONDS],
    );
    return {
      ...status,
      bytesInFlight: inFlight.bytes,
      throughputLastHour: {
        files: archived.files,
        bytes: archived.bytes,
        bytesPerSecond: archived.bytes / HOUR_SECONDS,
        windowSeconds: HOUR_SECONDS,
      },
    };
  }
}
