import { MIN_PEER_PROTOCOL, peerProtocol, protocolMismatch, RELEASE, TRANSFER_PROTOCOL } from './release';

describe('release and transfer protocol', () => {
  it("reads this build's release from package.json", () => {
    expect(RELEASE).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('takes a missing header for the protocol of the builds before it, and refuses nonsense', () => {
    expect(peerProtocol(undefined)).toBe(1);
    expect(peerProtocol(' 1 ')).toBe(1);
    expect(peerProtocol('x1')).toBeNaN();
  });

  it('accepts every protocol in its range and names both versions when it refuses', () => {
    for (let p = MIN_PEER_PROTOCOL; p <= TRANSFER_PROTOCOL; p++)
      expect(protocolMismatch(p, 'peer')).toBeNull();
    const refusal = protocolMismatch(TRANSFER_PROTOCOL + 1, 'cologne/buffer', '9.0.0');
    expect(refusal).toContain(`speaks protocol ${TRANSFER_PROTOCOL + 1} (release 9.0.0)`);
    expect(refusal).toContain(`this worker speaks protocol ${TRANSFER_PROTOCOL} (release ${RELEASE}`);
    expect(protocolMismatch(Number.NaN, 'peer')).toContain('unreadable');
  });
});
