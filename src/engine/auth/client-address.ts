import type { Request } from 'express';

/** The caller's address as express sees it (through the proxies TRUST_PROXY trusts): what failures count by. */
export const clientOf = (req: Request): string => req.ip ?? req.socket?.remoteAddress ?? 'unknown';
