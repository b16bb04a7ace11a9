import { Injectable } from '@nestjs/common';
import { TaskError } from '../../engine/work/task-error';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { StorageService } from '../../engine/storage/storage.service';
import { Digest } from '../../engine/storage/verifying-stream';
import { reportBadRead } from './bad-read';
import { TransferMethod } from './data-transfer.entity';
import { HttpTransferService } from './http/http-transfer.service';
import { ExpectedPackage, unpackMember } from './verified-unpack';

/** The origin's copy of a package, read in full, was not the recorded package either. */
export class RefetchedMemberBadError extends TaskError {
  readonly retryable = true;
}

/**
 * One package of a bundle whose member arrived bad, fetched again on its own from the origin buffer's copy
 * of that package (the same way the transfer reached the origin: directly, or over its data port) and
 * written and checked exactly as the unpack writes a member. If the origin's copy is not the recorded
 * package either, the origin judges its copy (bad-read.ts): found bad, it is healed there and the unpack
 * retried after; the bundle itself is never sent again for one member.
 */
@Injectable()
export class MemberRefetch {
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    readonly storage: StorageService,
    readonly http: HttpTransferService,
  ) {}

  async package(
    origin: DataLocation,
    via: TransferMethod,
    destination: DataLocation,
    path: string,
    want: ExpectedPackage,
    why: string,
  ): Promise<Digest> {
    let source: Readable;
    try {
      source =
        via === TransferMethod.HTTP
          ? await this.http.open(origin, path, want.size)
          : await this.storage.backendFor(origin).read(path);
    } catch (err) {
      return reportBadRead(this, origin, via, path, 'unpack', err as Error);
    }
    const outcome = await unpackMember(source, this.storage.backendFor(destination), path, want);
    if ('digest' in outcome) return outcome.digest;
    return reportBadRead(
      this,
      origin,
      via,
      path,
      'unpack',
      new RefetchedMemberBadError(
        `package ${path}, fetched again on its own because its member in the bundle was bad (${why.slice(0, 300)}), is bad at ${origin.name} too: ${outcome.bad}`,
      ),
    );
  }
}
