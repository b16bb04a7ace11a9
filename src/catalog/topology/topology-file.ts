import { IsS3KeyPrefix } from '../../engine/validation/s3-key-prefix';
import { posix } from 'node:path';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
  ValidationError,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { load, YAMLException } from 'js-yaml';
import { DomainError } from '../../engine/errors/domain-error';
import { ArchiveRole, LocationMode, LocationType, StorageType } from '../locations/location-type';
import { insecureEndpointProblem, S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from '../locations/s3-credentials';
import { QUEUE_SAFE_NAME } from '../sites/site.entity';
import { topologyFileVariables } from '../../config/process-environment';

// Leading or trailing blanks would make "primecam " a second instrument next to "primecam".
const TRIMMED = /^\S(.*\S)?$/s;
const SAFE_NAME_MESSAGE = 'must be 1-40 lowercase letters, digits and _, starting with a letter';
const oneOf = (values: object) => `must be one of: ${Object.values(values).join(', ')}`;
const text = { message: 'must be a non-empty text without leading or trailing blanks' };
// The column is a float4: more decimals would read back different and look changed on every apply.
const percent = { message: 'must be a number in (0, 100] with at most 2 decimals' };

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}
/** A list of mappings, each validated as `type`. */
const ListOf = (type: () => new () => object) =>
  all(IsArray({ message: 'must be a list' }), ValidateNested({ each: true }), Type(type));
const OptionalText = () => all(IsOptional(), Matches(TRIMMED, text));
const OptionalString = () => all(IsOptional(), IsString({ message: 'must be a text' }));

export class TopologyS3 {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+/, { message: 'must be an http:// or https:// URL' })
  endpoint?: string;

  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (3-63 of a-z 0-9 . -)',
  })
  bucket!: string;

  // Keys are joined below the prefix; a leading / or a .. would put them somewhere else in the bucket.
  @IsOptional()
  @IsS3KeyPrefix()
  prefix?: string;

  @OptionalText()
  region?: string;

  // Named by a pattern so that no other setting (DATABASE_URL, a token) can be sent to an S3 endpoint.
  // (One pattern, one message: an access key id, AKIA..., is not a variable name ending so either.)
  @Matches(S3_ACCESS_KEY_ENV, {
    message: 'must be a variable name ending in _S3_ACCESS_KEY, e.g. COLOGNE_S3_ACCESS_KEY',
  })
  accessKeyEnv!: string;

  @Matches(S3_SECRET_KEY_ENV, {
    message: 'must be a variable name ending in _S3_SECRET_KEY, e.g. COLOGNE_S3_SECRET_KEY',
  })
  secretKeyEnv!: string;

  /** `true` lets `endpoint` be plain `http://` (a test server on this host); otherwise it must be https. */
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  allowInsecureHttp?: boolean;
}

export class TopologyLocation {
  @Matches(QUEUE_SAFE_NAME, { message: SAFE_NAME_MESSAGE })
  name!: string;

  @IsEnum(LocationType, { message: oneOf(LocationType) })
  type!: LocationType;

  @IsEnum(StorageType, { message: oneOf(StorageType) })
  storage!: StorageType;

  /** Lower is used first among the active locations of one type at a site. */
  @IsInt({ message: 'must be an integer >= 1' })
  @Min(1, { message: 'must be an integer >= 1' })
  priority: number = 1;

  /** `active: false` is `mode: offline`, as files written before modes say it. */
  @IsBoolean({ message: 'must be true or false' })
  @ValidateBy({
    name: 'activeAgreesWithMode',
    validator: {
      validate: (v, args) => {
        const mode = (args?.object as TopologyLocation).mode;
        return v !== false || mode === undefined || mode === LocationMode.OFFLINE;
      },
      defaultMessage: () => 'active: false means mode: offline; say one of them',
    },
  })
  active: boolean = true;

  /** active (the default), draining (no new work; what is there moves on) or offline (queues unbound). */
  @IsOptional()
  @IsEnum(LocationMode, { message: oneOf(LocationMode) })
  mode?: LocationMode;

  /** For a long-term archive: `mirror` (the default: its own copy) or `failover` (one copy per site). */
  @IsOptional()
  @IsEnum(ArchiveRole, { message: oneOf(ArchiveRole) })
  @ValidateBy({
    name: 'onlyArchivesHaveRoles',
    validator: {
      validate: (_v, args) => (args?.object as TopologyLocation).type === LocationType.LONG_TERM_ARCHIVE,
      defaultMessage: () => 'only a long_term_archive location has a role',
    },
  })
  role?: ArchiveRole;

  /**
   * A long-term archive being retired: it takes no new copies, the archive reconciler re-homes what it
   * holds, and `ccat-dt location empty` may then remove its objects.
   */
  @IsBoolean({ message: 'must be true or false' })
  @ValidateBy({
    name: 'onlyArchivesRetire',
    validator: {
      validate: (v, args) =>
        v !== true || (args?.object as TopologyLocation).type === LocationType.LONG_TERM_ARCHIVE,
      defaultMessage: () => 'only a long_term_archive location can retire',
    },
  })
  retiring: boolean = false;

  @ValidateIf((l: TopologyLocation) => l.storage === StorageType.DISK || l.rootPath !== undefined)
  @IsDefined({ message: 'is required for disk storage' })
  @Matches(/^\/(?!(.*\/)?\.\.(\/|$))[^\0]*$/s, { message: 'must be an absolute path without ..' })
  rootPath?: string;

  /**
   * Where this location's worker serves it read-only to other sites (buffers on a long link), as
   * `<worker base URL>/data/<site>/<location>`. Empty means none: other sites read it directly.
   */
  @ValidateIf((l: TopologyLocation) => l.dataUrl !== undefined && l.dataUrl !== '')
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http:// or https:// URL' })
  dataUrl?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }, percent)
  @Min(Number.MIN_VALUE, percent)
  @Max(100, percent)
  diskUsageThresholdPercent?: number;

  @ValidateIf((l: TopologyLocation) => l.storage === StorageType.S3 || l.s3 !== undefined)
  @IsObject({ message: 'is required for s3 storage (at least a bucket)' })
  @ValidateNested()
  @Type(() => TopologyS3)
  s3?: TopologyS3;
}

export class TopologySite {
  @Matches(TRIMMED, text)
  name!: string;
  @Matches(QUEUE_SAFE_NAME, { message: SAFE_NAME_MESSAGE })
  shortName!: string;
  @OptionalText()
  location?: string;
  @ListOf(() => TopologyLocation)
  locations!: TopologyLocation[];
}

export class TopologyInstrument {
  @Matches(TRIMMED, text)
  name!: string;
  @OptionalString()
  description?: string;

  /** Each must be a trimmed text; checked in crossCheck, which can name the offending index. */
  @IsArray({ message: 'must be a list' })
  modules!: string[];
}

export class TopologyTelescope {
  @Matches(TRIMMED, text)
  name!: string;
  @ListOf(() => TopologyInstrument)
  instruments!: TopologyInstrument[];
}

export class TopologyObservatory {
  @Matches(TRIMMED, text)
  name!: string;
  @OptionalString()
  description?: string;
  @ListOf(() => TopologyTelescope)
  telescopes!: TopologyTelescope[];
}

/** The desired topology: what `ccat-dt topology apply` makes the database say. */
export class TopologyFile {
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be a mapping' })
  @ValidateNested()
  @Type(() => TopologyObservatory)
  observatory!: TopologyObservatory;
  @ListOf(() => TopologySite)
  sites!: TopologySite[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default also when VAR is empty, as in the shell) and `$${` by a
 * literal `${`. Whole-line comments are left alone so they can show the syntax without it being expanded.
 */
export function substituteEnv(raw: string, env: NodeJS.ProcessEnv): string {
  const problems: string[] = [];
  const lines = raw.split('\n').map((line, i) => {
    if (/^\s*#/.test(line)) return line;
    return line.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, inner: string | undefined) => {
      if (inner === undefined) return '${';
      const ref = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
      if (!ref) {
        problems.push(`line ${i + 1}: ${match} is not \${NAME} or \${NAME:-default}`);
        return match;
      }
      const [, name, fallback] = ref;
      const value = env[name];
      if (value !== undefined && (value !== '' || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      problems.push(`line ${i + 1}: environment variable ${name} is not set and has no default`);
      return match;
    });
  });
  if (problems.length > 0) throw invalid(problems);
  return lines.join('\n');
}

/** Reads, validates and normalises a topology file; every problem is reported at once, with its path. */
export function parseTopologyFile(
  raw: string,
  env: NodeJS.ProcessEnv = topologyFileVariables(),
): TopologyFile {
  const expanded = substituteEnv(raw, env);
  let doc: unknown;
  try {
    doc = load(expanded);
  } catch (e) {
    // The compact form has the line and column but no source snippet: that could echo an expanded value.
    const reason = e instanceof YAMLException ? e.toString(true).replace(/^YAMLException: /, '') : String(e);
    throw new DomainError('VALIDATION', `topology file is not valid YAML: ${reason}`);
  }
  return checkTopology(doc);
}

/**
 * A topology given as plain data (a parsed file, or the database's topology with an operator's change
 * made to it) validated and normalised, or a VALIDATION error listing every problem with its path.
 */
export function checkTopology(doc: unknown): TopologyFile {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid(['the file must be a mapping with the keys observatory and sites']);
  }
  const file = plainToInstance(TopologyFile, doc, { exposeDefaultValues: true });
  // stopAtFirstError: one message per field, so a missing root path is not also "not absolute".
  const options = {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  };
  const errors = validateSync(file, options);
  const problems = [...errors.flatMap((e) => describe(e, '')), ...crossCheck(file)];
  if (problems.length > 0) throw invalid(problems);
  // "/data/buffer/" and "/data//buffer" are one directory; stored spelled one way, they never look like a
  // root path change.
  for (const loc of file.sites.flatMap((site) => site.locations)) {
    if (loc.rootPath !== undefined) loc.rootPath = posix.normalize(loc.rootPath).replace(/(.)\/+$/, '$1');
  }
  return file;
}

function invalid(problems: string[]): DomainError {
  const head = `invalid topology file (${problems.length} problem${problems.length === 1 ? '' : 's'}):`;
  return new DomainError('VALIDATION', [head, ...problems.map((p) => `  ${p}`)].join('\n'), { problems });
}

const INLINE_SECRET = /secret|passw|token|credential|access_?key/i;

function describe(error: ValidationError, parent: string): string[] {
  const index = /^\d+$/.test(error.property);
  const path = index ? `${parent}[${error.property}]` : [parent, error.property].filter(Boolean).join('.');
  const own = Object.entries(error.constraints ?? {}).map(([name, message]) => {
    if (name === 'whitelistValidation') {
      return INLINE_SECRET.test(error.property)
        ? `${path} is refused: credentials never go into the topology file; put them in environment ` +
            `variables and name those in s3.accessKeyEnv and s3.secretKeyEnv`
        : `${path} is not a known setting`;
    }
    if (name === 'nestedValidation' || name === 'unknownValue') return `${path} must be a mapping`;
    return `${path} ${message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message}`;
  });
  return [...own, ...(error.children ?? []).flatMap((c) => describe(c, path))];
}

type Named = [value: unknown, path: string];
const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/** What one field cannot say alone: names unique among their siblings, settings that fit the storage. */
function crossCheck(file: TopologyFile): string[] {
  const problems: string[] = [];
  const telescopes = list(file.observatory?.telescopes).map((t, i) => ({
    t,
    path: `observatory.telescopes[${i}]`,
  }));
  problems.push(...duplicates(telescopes.map(({ t, path }) => [t?.name, `${path}.name`])));
  // Instrument names are unique across the observatory: the ingest API addresses them by name alone.
  const instruments = telescopes.flatMap(({ t, path }) =>
    list(t?.instruments).map((ins, i) => ({ ins, path: `${path}.instruments[${i}]` })),
  );
  problems.push(...duplicates(instruments.map(({ ins, path }) => [ins?.name, `${path}.name`])));
  for (const { ins, path } of instruments) {
    const modules = list<unknown>(ins?.modules).map((m, i): Named => [m, `${path}.modules[${i}]`]);
    for (const [m, p] of modules)
      if (typeof m !== 'string' || !TRIMMED.test(m)) problems.push(`${p} ${text.message}`);
    problems.push(...duplicates(modules));
  }
  const sites = list(file.sites).map((s, i) => ({ s, path: `sites[${i}]` }));
  problems.push(...duplicates(sites.map(({ s, path }) => [s?.shortName, `${path}.shortName`])));
  problems.push(...duplicates(sites.map(({ s, path }) => [s?.name, `${path}.name`])));
  // Queue names are {site}_{location}_{operation}: "a_b" + "c" and "a" + "b_c" would share every queue.
  const prefixes = new Map<string, { shortName: string; path: string }>();
  for (const { s, path: sitePath } of sites) {
    const locations = list(s?.locations).map((loc, i) => ({ loc, path: `${sitePath}.locations[${i}]` }));
    problems.push(...duplicates(locations.map(({ loc, path }) => [loc?.name, `${path}.name`])));
    for (const { loc, path } of locations) {
      const storage = Object.values(StorageType).find((t) => t === loc?.storage); // unknown: reported already
      // Modelled, never written: when accepted it failed later (buffer choice, monitoring, round robin).
      // Rows made before stay as they are; the SQL that skips tape locations stays for them.
      const tape = 'tape is not supported yet; a tape-backed S3 endpoint works as s3';
      if (storage === StorageType.TAPE) problems.push(`${path} (${s?.shortName}/${loc.name}): ${tape}`);
      if (storage === StorageType.S3 && loc.rootPath !== undefined)
        problems.push(`${path}.rootPath is not for s3`);
      if (storage && storage !== StorageType.S3 && loc.s3) problems.push(`${path}.s3 is only for s3 storage`);
      const insecure = loc?.s3
        ? insecureEndpointProblem(loc.s3.endpoint, loc.s3.allowInsecureHttp === true)
        : null;
      if (insecure) problems.push(`${path}.s3.${insecure}`);
      if (typeof s.shortName !== 'string' || typeof loc?.name !== 'string') continue;
      const prefix = `${s.shortName}_${loc.name}`;
      const other = prefixes.get(prefix);
      if (!other) prefixes.set(prefix, { shortName: s.shortName, path });
      else if (other.shortName !== s.shortName)
        problems.push(`${path} has the queue prefix "${prefix}" of ${other.path}`);
    }
  }
  return problems;
}

function duplicates(items: Named[]): string[] {
  const first = new Map<string, string>();
  const problems: string[] = [];
  for (const [value, path] of items) {
    if (typeof value !== 'string') continue;
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, path);
    else problems.push(`${path} "${value}" is already used by ${earlier}`);
  }
  return problems;
}
