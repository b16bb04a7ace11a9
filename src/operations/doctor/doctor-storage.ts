import { insecureUrl } from '../../pipeline/transfer/http/http-pull';
import { createHash, randomBytes } from 'node:crypto';
import { access, constants, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { PROTOCOL_HEADERS, RELEASE_HEADER, peerMismatch } from '../../engine/release/release';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { percentUsed } from '../../catalog/locations/disk-usage';
import { StorageType } from '../../catalog/locations/location-type';
import { StorageService } from '../../engine/storage/storage.service';
import { DoctorCheck, fail, ok } from './doctor-check';
import { credentialFromEnvironment } from '../../config/process-environment';

/** Where the probes go in every location: fixed, so an operator (and `ccat-dt check`) knows them. */
export const PROBE_PREFIX = '.ccat-doctor/';

const name = (l: DataLocation) => `${l.site?.shortName ?? l.siteId}/${l.name}`;

/**
 * Whether this host can use a location as its worker would: a disk root that exists, takes a write and is
 * below its threshold; S3 credentials present and a bucket that takes a probe object, gives it back with
 * the same SHA-256 and lets it go.
 */
export async function checkLocation(storage: StorageService, l: DataLocation): Promise<DoctorCheck> {
  const check = `location ${name(l)} (${l.storageType} ${l.locationType})`;
  if (l.storageType === StorageType.TAPE)
    return fail(
      check,
      'tape is modelled but not implemented',
      'serve it with no worker, or make it disk or s3',
    );
  if (l.storageType === StorageType.DISK) {
    const root = l.rootPath ?? '';
    const isDir = await stat(root).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) return fail(check, `root ${root} does not exist or is not a directory`, `mkdir -p ${root}`);
    const writable = await access(root, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (!writable) return fail(check, `root ${root} is not writable by this user`, `chown or chmod ${root}`);
  } else {
    const missing = [l.s3AccessKeyEnv, l.s3SecretKeyEnv].filter(
      (e): e is string => !!e && !credentialFromEnvironment(e),
    );
    if (missing.length)
      return fail(
        check,
        `credentials not set: ${missing.join(', ')}`,
        `set ${missing.join(' and ')} for this process`,
      );
  }
  try {
    const detail = await probe(storage, l);
    const space = l.storageType === StorageType.DISK ? await storage.backendFor(l).space() : null;
    const used = space ? percentUsed(space.totalBytes, space.freeBytes) : null;
    if (used !== null && l.diskUsageThresholdPercent != null && used > l.diskUsageThresholdPercent)
      return fail(
        check,
        `${used.toFixed(1)}% used, over its threshold of ${l.diskUsageThresholdPercent}%`,
        'free space (the deletion rules go first here), or add another location of its type',
      );
    return ok(check, used === null ? detail : `${detail}; ${used.toFixed(1)}% used`);
  } catch (err) {
    return fail(check, `probe failed: ${(err as Error).message}`, 'check the path, bucket and credentials');
  }
}

/** Writes a small object under PROBE_PREFIX, reads it back, hashes it and removes it. */
async function probe(storage: StorageService, l: DataLocation): Promise<string> {
  const backend = storage.backendFor(l);
  const bytes = randomBytes(4096);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = `${PROBE_PREFIX}${hostname()}-${process.pid}-${Date.now()}`;
  await backend.write(path, Readable.from([bytes]), { size: bytes.length, sha256 });
  try {
    const back = await backend.digest(path);
    if (back.sha256 !== sha256 || back.size !== bytes.length)
      throw new Error(`read back ${back.size} bytes with sha256 ${back.sha256}, wrote ${sha256}`);
  } finally {
    await backend.delete(path);
  }
  return `probe written, read back (sha256 matches) and removed under ${PROBE_PREFIX}`;
}

/**
 * Whether a buffer's data port answers the transfer token as other sites' workers will use it: a probe
 * path that does not exist must come back 404 "has no file" from the worker that serves the buffer.
 */
export async function checkDataUrl(
  l: DataLocation,
  token: string | undefined,
  allowInsecure = false,
): Promise<DoctorCheck> {
  const check = `data port of ${name(l)}`;
  if (!l.dataUrl)
    return ok(check, 'no dataUrl: other sites cannot pull from it over http (transfers use the disk)');
  if (!token)
    return fail(
      check,
      'TRANSFER_TOKEN is not set',
      'ccat-dt token create --scopes transfer; set TRANSFER_TOKEN',
    );
  // The workers would refuse to send the token in clear (http-transfer.service.ts): so does the probe.
  if (insecureUrl(l.dataUrl) && !allowInsecure)
    return fail(
      check,
      `${l.dataUrl} is plain http: workers will not send TRANSFER_TOKEN to it`,
      "give that buffer's worker TLS and an https dataUrl (or TRANSFER_ALLOW_INSECURE=true on one host only)",
    );
  const url = `${l.dataUrl.replace(/\/$/, '')}/${PROBE_PREFIX}probe`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        Authorization: `Bearer ${token}`,
        ...PROTOCOL_HEADERS,
      },
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return fail(
      check,
      `${l.dataUrl} unreachable (${cause})`,
      `start the worker of ${l.site?.shortName} or fix dataUrl`,
    );
  }
  const body = await res.text().catch(() => '');
  const mismatch = peerMismatch((name) => res.headers.get(name) ?? undefined, l.dataUrl);
  if (mismatch) return fail(check, mismatch, 'upgrade the older side');
  if (res.status === 401 || res.status === 403)
    return fail(
      check,
      `the transfer token was refused (${res.status})`,
      'set TRANSFER_TOKEN to a token with the transfer scope',
    );
  if (res.status === 404 && body.includes('has no file'))
    return ok(
      check,
      `${l.dataUrl} answers the transfer token (release ${res.headers.get(RELEASE_HEADER) ?? 'before 0.2.0'})`,
    );
  return fail(
    check,
    `${l.dataUrl} answered ${res.status}: ${body.slice(0, 200)}`,
    'point dataUrl at the worker that serves this buffer',
  );
}
