import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What this build is, as other processes see it: its release (package.json's version) and the version of
 * the data-port protocol it speaks. Three sites on three continents do not upgrade on the same day: a
 * worker reports both in its heartbeat, and the data port and the transfer client exchange the protocol
 * so that a pair that cannot work together refuses with one clear error before any byte moves.
 */
export const RELEASE: string = (() => {
  // src/engine/release -> the package root, from the sources (ts-jest) and from dist/src alike.
  for (const up of ['../../..', '../../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'ccat-data-transfer' && pkg.version) return pkg.version;
    } catch {
      // try the next level up
    }
  }
  return 'unknown';
})();

/**
 * The data port's protocol: what a GET of a buffer path means (byte ranges, the headers, the tar layout of
 * a bundle). Raise it when a change would make one side misread the other; keep accepting the previous
 * one for at least one release, so that sites can upgrade one after the other.
 */
export const TRANSFER_PROTOCOL = 1;
/** The oldest peer protocol this build still works with. */
export const MIN_PEER_PROTOCOL = 1;
/** A build from before the header existed speaks this. */
export const PROTOCOL_WITHOUT_HEADER = 1;
export const PROTOCOL_HEADER = 'x-ccat-transfer-protocol';
export const RELEASE_HEADER = 'x-ccat-release';

/** What every data-port request and answer says of this build: its protocol and its release. */
export const PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  [PROTOCOL_HEADER]: String(TRANSFER_PROTOCOL),
  [RELEASE_HEADER]: RELEASE,
};

/** The peer's protocol from its header (absent: a build from before the header), or NaN if unreadable. */
export function peerProtocol(header: string | string[] | undefined): number {
  if (header === undefined) return PROTOCOL_WITHOUT_HEADER;
  const value = Array.isArray(header) ? header[0] : header;
  return /^\d{1,6}$/.test(value.trim()) ? Number(value) : Number.NaN;
}

/** Null when this build can talk to a peer speaking `protocol`, else the one-line reason. */
export function protocolMismatch(protocol: number, peer: string, peerRelease?: string): string | null {
  if (protocol >= MIN_PEER_PROTOCOL && protocol <= TRANSFER_PROTOCOL) return null;
  const theirs = Number.isNaN(protocol) ? 'an unreadable protocol version' : `protocol ${protocol}`;
  return (
    `transfer protocol mismatch: ${peer} speaks ${theirs}${peerRelease ? ` (release ${peerRelease})` : ''}, ` +
    `this worker speaks protocol ${TRANSFER_PROTOCOL} (release ${RELEASE}, accepts ${MIN_PEER_PROTOCOL}-${TRANSFER_PROTOCOL}): ` +
    `upgrade the older side`
  );
}

/** Null when the peer whose headers are read by `header` can be talked to, else the one-line reason. */
export function peerMismatch(header: (name: string) => string | undefined, peer: string): string | null {
  return protocolMismatch(peerProtocol(header(PROTOCOL_HEADER)), peer, header(RELEASE_HEADER));
}
