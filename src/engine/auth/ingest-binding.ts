import { DomainError } from '../errors/domain-error';

/**
 * What an ingest token may register for. Null on a side means "any": a token made with
 * `--instrument primecam` registers obs units and files of primecam only, one made with
 * `--source ccat/telescope_computer` registers files at that source location only, and one with both is
 * held to both. A site relay's token lists every instrument behind that relay.
 */
export interface IngestBinding {
  /** Instrument names. */
  instruments: string[] | null;
  /** Source locations as `site/location`. */
  sources: string[] | null;
}

/** A binding that allows everything is no binding: tokens without one carry null. */
export function bindingOf(instruments: string[] | null, sources: string[] | null): IngestBinding | null {
  const list = (values: string[] | null) => (values && values.length > 0 ? values : null);
  const binding = { instruments: list(instruments), sources: list(sources) };
  return binding.instruments || binding.sources ? binding : null;
}

/** How a binding reads in a message and in `token list`: "instrument primecam; source ccat/tc". */
export function describeBinding(binding: IngestBinding | null): string {
  if (!binding) return '-';
  const parts: string[] = [];
  if (binding.instruments) parts.push(`instrument ${binding.instruments.join(',')}`);
  if (binding.sources) parts.push(`source ${binding.sources.join(',')}`);
  return parts.join('; ');
}

/** The token behind a registration, as far as its binding goes (a Principal fits). */
export interface BoundToken {
  name: string;
  binding: IngestBinding | null;
}

/** One registration as the binding sees it: the instrument it is for and, for a file, where it lies. */
export interface IngestTarget {
  instrument: string;
  source?: string;
  /** How the request names the field that gives each away ("files[3].executedObsUnitId"), if not plain. */
  instrumentField?: string;
  sourceField?: string;
}

const MAX_REPORTED = 20;

/**
 * FORBIDDEN (403) unless every target is within the token's binding. The error names the token, its
 * binding and each item outside it, and carries the binding in `details.binding`: the site relay reads
 * that to tell a registration its token may never make (dead-lettered) from a token that is wrong.
 */
export function assertWithinBinding(token: BoundToken | undefined, targets: readonly IngestTarget[]): void {
  const binding = token?.binding;
  if (!binding) return;
  const outside: string[] = [];
  const at = (field: string | undefined) => (field ? `${field}: ` : '');
  for (const t of targets) {
    if (binding.instruments && !binding.instruments.includes(t.instrument)) {
      outside.push(`${at(t.instrumentField)}instrument ${t.instrument}`);
    } else if (binding.sources && t.source !== undefined && !binding.sources.includes(t.source)) {
      outside.push(`${at(t.sourceField)}source ${t.source}`);
    }
    if (outside.length >= MAX_REPORTED) break;
  }
  if (outside.length === 0) return;
  throw new DomainError(
    'FORBIDDEN',
    `token ${token.name} is bound to ${describeBinding(binding)}; it may not register for ${outside.join(', ')}`,
    { binding: { token: token.name, ...binding }, outside },
  );
}
