import { Injectable } from '@nestjs/common';
import { TransientTaskError } from '../work/task-error';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import {
  insecureEndpointProblem,
  S3_ACCESS_KEY_ENV,
  S3_SECRET_KEY_ENV,
} from '../../catalog/locations/s3-credentials';
import { StorageType } from '../../catalog/locations/location-type';
import { DiskStorage } from './disk-storage';
import { S3Storage } from './s3-storage';
import { Expected, StorageBackend } from './storage-backend';
import { ChecksumMismatchError, ObjectNotFoundError } from './storage-errors';
import { Digest } from './verifying-stream';
import { credentialFromEnvironment } from '../../config/process-environment';

/**
 * The storage of a location, built from its row: disk from its root path, S3 from its endpoint, bucket,
 * prefix and the credentials in the environment variables it names (never stored in the database).
 */
@Injectable()
export class StorageService {
  private readonly backends = new Map<string, StorageBackend>();

  constructor(private readonly config: ConfigService<Environment, true>) {}

  backendFor(location: DataLocation): StorageBackend {
    const cacheKey = `${location.id}:${location.storageType}:${location.rootPath}:${location.s3Endpoint}:${location.s3Bucket}:${location.s3Prefix}`;
    const cached = this.backends.get(cacheKey);
    if (cached) return cached;
    const backend = this.build(location);
    this.backends.set(cacheKey, backend);
    return backend;
  }

  /**
   * The proof that a copy is what it should be, before it is recorded: the size, and (unless S3 checks are
   * configured as metadata-only) a read-back SHA-256 of the bytes where they now live.
   */
  async verify(location: DataLocation, path: string, expected: Required<Expected>): Promise<Digest> {
    const backend = this.backendFor(location);
    const info = await backend.stat(path);
    if (!info) throw new ObjectNotFoundError(`${backend.description}/${path}`);
    const metadataOnly =
      location.storageType === StorageType.S3 &&
      this.config.get('LTA_VERIFY', { infer: true }) === 'metadata';
    const actual = metadataOnly ? { size: info.size, sha256: info.sha256 ?? '' } : await backend.digest(path);
    if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
      throw new ChecksumMismatchError(`${backend.description}/${path}`, expected, actual);
    }
    return actual;
  }

  private build(location: DataLocation): StorageBackend {
    switch (location.storageType) {
      case StorageType.DISK:
        return new DiskStorage(location.rootPath!);
      case StorageType.S3: {
        const insecure = insecureEndpointProblem(location.s3Endpoint, location.s3AllowInsecureHttp);
        if (insecure)
          throw new TransientTaskError('LOCATION_MISCONFIGURED', `location ${location.name}: ${insecure}`);
        return new S3Storage({
          bucket: location.s3Bucket!,
          prefix: location.s3Prefix,
          endpoint: location.s3Endpoint,
          region: location.s3Region,
          accessKeyId: this.secret(location, location.s3AccessKeyEnv, S3_ACCESS_KEY_ENV),
          secretAccessKey: this.secret(location, location.s3SecretKeyEnv, S3_SECRET_KEY_ENV),
        });
      }
      case StorageType.TAPE:
        throw new TransientTaskError(
          'LOCATION_MISCONFIGURED',
          `location ${location.name}: tape storage is modelled but not implemented`,
        );
    }
  }

  /** A credential from the environment variable the location names, which must follow the pattern. */
  private secret(location: DataLocation, envName: string | null, pattern: RegExp): string {
    if (!envName || !pattern.test(envName))
      throw new TransientTaskError(
        'LOCATION_MISCONFIGURED',
        `location ${location.name}: its S3 credentials must be named by variables matching ${pattern} (${envName ? `${envName} does not` : 'none named'}); the SDK's default credentials are not used`,
      );
    const value = credentialFromEnvironment(envName);
    if (!value)
      throw new TransientTaskError(
        'LOCATION_MISCONFIGURED',
        `location ${location.name}: environment variable ${envName} (its S3 credential) is not set`,
      );
    return value;
  }
}
