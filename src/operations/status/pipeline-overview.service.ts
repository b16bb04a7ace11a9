import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PipelineOverviewModel } from './pipeline-overview.model';
import { StatusService } from './status.service';

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
      `SELECT (SELECT coalesce(sum(greatest(b.size - t.bytes_transferred, 0)), 0)
                 FROM data_transfer t JOIN data_transfer_package b ON b.id = t.data_transfer_package_id
                WHERE t.status IN ('scheduled', 'in_progress'))::float8
            + (SELECT coalesce(sum(p.size), 0) FROM long_term_archive_transfer a
                 JOIN raw_data_package p ON p.id = a.raw_data_package_id
                WHERE a.status = 'in_progress')::float8 AS bytes`,
    );
    const [archived] = await this.dataSource.query(
      `SELECT coalesce(sum(p.file_count), 0)::int AS files, coalesce(sum(c.size), 0)::float8 AS bytes
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
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
