import type { EntityManager } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { TokenScope } from './api-token.entity';

/*
 * A transfer token bound to a site (`ccat-dt token create --scopes transfer --site us`) is what that
 * site's workers send when they pull: a data port answers it only for the copies that open work bound for
 * that site reads (pipeline/transfer/http/site-reads.ts), so a leaked token of one site cannot read the
 * rest of another site's buffer. An unbound transfer token reads anything served, as before.
 */

/**
 * The site a new token is bound to, checked: only a transfer token (and not an admin one, which is never
 * bound) takes a site, and the site must exist, or every pull with the token would be refused.
 */
export async function checkedTransferSite(
  m: EntityManager,
  scopes: readonly TokenScope[],
  site: string | undefined,
): Promise<string | null> {
  const name = site?.trim();
  if (!name) return null;
  if (!scopes.includes(TokenScope.TRANSFER) || scopes.includes(TokenScope.ADMIN))
    throw new DomainError(
      'VALIDATION',
      'site binds a transfer token: give the transfer scope, and not admin (which is never bound)',
    );
  const [found] = await m.query(`SELECT 1 FROM site WHERE short_name = $1`, [name]);
  if (!found) throw new DomainError('VALIDATION', `cannot bind the token to site ${name}: no such site`);
  return name;
}

/** How a site binding reads in a message and in `token list`: "site us". */
export function describeSiteBinding(site: string | null): string | null {
  return site ? `site ${site}` : null;
}
