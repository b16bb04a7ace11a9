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
} from 'class-validator';
import { load, YAMLException } from 'js-yaml';
import { DomainError } from '../../common/errors/domain-error';
import { LocationType, StorageType } from '../locations/location-type';
import { QUEUE_SAFE_NAME } from '../sites/site.entity';

const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;
// Leading or trailing blanks would make "primecam " a second instrument next to "primecam".
const TRIMMED = /^\S(.*\S)?$/s;
const SAFE_NAME_MESSAGE = 'must be lowercase letters, digits and _, start with a letter, at most 40 characters';
const oneOf = (values: object) => `must be one of: ${Object.values(values).join(', ')}`;
const text = { message: 'must be a non-empty text without leading or trailing blanks' };

export class TopologyS3 {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+/, { message: 'must be an http:// or https:// URL' })
  endpoint?: string;

  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)',
  })
  bucket!: string;

  // Keys are joined below the prefix; a leading / or a .. would put them somewhere else in the bucket.
  @IsOptional()
  @Matches(/^(?!\/)(?!(.*\/)?\.\.(\/|$)).*$/s, { message: 'must be a relative key prefix without ..' })
  prefix?: string;

  @IsOptional()
  @Matches(TRIMMED, text)
  region?: string;

  @IsOptional()
  @Matches(ENV_VAR_NAME, { message: 'must be the name of an environment variable, e.g. COLOGNE_S3_ACCESS_KEY' })
  @Matches(/^(?!(AKIA|ASIA)[A-Z0-9]{16}$)/, {
    message: 'looks like an AWS access key id: name the environment variable that holds it instead',
  })
  accessKeyEnv?: string;

  @IsOptional()
  @Matches(ENV_VAR_NAME, { message: 'must be the name of an environment variable, e.g. COLOGNE_S3_SECRET_KEY' })
  secretKeyEnv?: string;
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

  @IsBoolean({ message: 'must be true or false' })
  active: boolean = true;

  @ValidateIf((l: TopologyLocation) => l.storage === StorageType.DISK || l.rootPath !== undefined)
  @IsDefined({ message: 'is required for disk storage' })
  @Matches(/^\/(?!(.*\/)?\.\.(\/|$))[^\0]*$/s, { message: 'must be an absolute path without ..' })
  rootPath?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number in (0, 100]' })
  @Min(Number.MIN_VALUE, { message: 'must be a number in (0, 100]' })
  @Max(100, { message: 'must be a number in (0, 100]' })
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

  @IsOptional()
  @Matches(TRIMMED, text)
  location?: string;

  @IsArray({ message: 'must be a list' })
  @ValidateNested({ each: true })
  @Type(() => TopologyLocation)
  locations!: TopologyLocation[];
}

export class TopologyInstrument {
  @Matches(TRIMMED, text)
  name!: string;

  @IsOptional()
  @IsString({ message: 'must be a text' })
  description?: string;

  /** Each must be a trimmed text; checked in crossCheck, which can name the offending index. */
  @IsArray({ message: 'must be a list' })
  modules!: string[];
}

export class TopologyTelescope {
  @Matches(TRIMMED, text)
  name!: string;

  @IsArray({ message: 'must be a list' })
  @ValidateNested({ each: true })
  @Type(() => TopologyInstrument)
  instruments!: TopologyInstrument[];
}

export class TopologyObservatory {
  @Matches(TRIMMED, text)
  name!: string;

  @IsOptional()
  @IsString({ message: 'must be a text' })
  description?: string;

  @IsArray({ message: 'must be a list' })
  @ValidateNested({ each: true })
  @Type(() => TopologyTelescope)
  telescopes!: TopologyTelescope[];
}

/** The desired topology: what `ccat-dt topology apply` makes the database say. */
export class TopologyFile {
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be a mapping' })
  @ValidateNested()
  @Type(() => TopologyObservatory)
  observatory!: TopologyObservatory;

  @IsArray({ message: 'must be a list' })
  @ValidateNested({ each: true })
  @Type(() => TopologySite)
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
export function parseTopologyFile(raw: string, env: NodeJS.ProcessEnv = process.env): TopologyFile {
  const expanded = substituteEnv(raw, env);
  let doc: unknown;
  try {
    doc = load(expanded);
  } catch (e) {
    // The compact form has the line and column but no source snippet: that could echo an expanded value.
    const reason = e instanceof YAMLException ? e.toString(true).replace(/^YAMLException: /, '') : String(e);
    throw new DomainError('VALIDATION', `topology file is not valid YAML: ${reason}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid(['the file must be a mapping with the keys observatory and sites']);
  }
  const file = plainToInstance(TopologyFile, doc, { exposeDefaultValues: true });
  const errors = validateSync(file, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: a missing root path is not also "not absolute".
    stopAtFirstError: true,
  });
  const problems = [...errors.flatMap((e) => describe(e, '')), ...crossCheck(file)];
  if (problems.length > 0) throw invalid(problems);
  for (const site of file.sites) {
    for (const loc of site.locations) {
      // "/data/buffer/" and "/data//buffer" are the same directory; stored spelled one way, they never
      // look like a root path change.
      if (loc.rootPath !== undefined) loc.rootPath = posix.normalize(loc.rootPath).replace(/(.)\/+$/, '$1');
    }
  }
  return file;
}

function invalid(problems: string[]): DomainError {
  const head = `invalid topology file (${problems.length} problem${problems.length === 1 ? '' : 's'}):`;
  return new DomainError('VALIDATION', [head, ...problems.map((p) => `  ${p}`)].join('\n'), { problems });
}

const INLINE_SECRET = /secret|passw|token|credential|access_?key/i;

function describe(error: ValidationError, parent: string): string[] {
  const path = /^\d+$/.test(error.property)
    ? `${parent}[${error.property}]`
    : parent
      ? `${parent}.${error.property}`
      : error.property;
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

/** What one field cannot say alone: names unique among their siblings, settings that fit the storage. */
function crossCheck(file: TopologyFile): string[] {
  const problems: string[] = [];
  const telescopes = Array.isArray(file.observatory?.telescopes) ? file.observatory.telescopes : [];
  problems.push(...duplicates(telescopes, 'name', (i) => `observatory.telescopes[${i}].name`));
  // Instrument names are unique across the whole observatory: the ingest API addresses them by name alone.
  const instruments = telescopes.flatMap((t, ti) =>
    (Array.isArray(t?.instruments) ? t.instruments : []).map((ins, ii) => ({
      ins,
      path: `observatory.telescopes[${ti}].instruments[${ii}]`,
    })),
  );
  problems.push(...duplicates(instruments, (x) => x.ins?.name, (i) => `${instruments[i].path}.name`));
  for (const { ins, path } of instruments) {
    const modules: unknown[] = Array.isArray(ins?.modules) ? ins.modules : [];
    modules.forEach((m, i) => {
      if (typeof m !== 'string' || !TRIMMED.test(m)) problems.push(`${path}.modules[${i}] ${text.message}`);
    });
    problems.push(...duplicates(modules, (m) => m, (i) => `${path}.modules[${i}]`));
  }
  const sites = Array.isArray(file.sites) ? file.sites : [];
  problems.push(...duplicates(sites, 'shortName', (i) => `sites[${i}].shortName`));
  problems.push(...duplicates(sites, 'name', (i) => `sites[${i}].name`));
  const all = sites.flatMap((site, si) =>
    (Array.isArray(site?.locations) ? site.locations : []).map((loc, li) => ({ site, loc, si, li })),
  );
  sites.forEach((site, si) => {
    const here = all.filter((x) => x.si === si);
    problems.push(...duplicates(here, (x) => x.loc?.name, (i) => `sites[${si}].locations[${here[i].li}].name`));
  });
  // Queue names are {site}_{location}_{operation}: "a_b" + "c" and "a" + "b_c" would share every queue.
  const prefixes = new Map<string, (typeof all)[number]>();
  for (const x of all) {
    if (typeof x.site.shortName !== 'string' || typeof x.loc?.name !== 'string') continue;
    const prefix = `${x.site.shortName}_${x.loc.name}`;
    const other = prefixes.get(prefix);
    if (!other) prefixes.set(prefix, x);
    else if (other.site.shortName !== x.site.shortName) {
      problems.push(
        `sites[${x.si}].locations[${x.li}] has the queue prefix "${prefix}" of sites[${other.si}].locations[${other.li}]`,
      );
    }
  }
  for (const { loc, si, li } of all) {
    if (loc?.storage !== StorageType.DISK && loc?.storage !== StorageType.TAPE && loc?.rootPath !== undefined) {
      problems.push(`sites[${si}].locations[${li}].rootPath is only for disk storage`);
    }
    if (loc?.storage !== StorageType.S3 && loc?.s3 !== undefined) {
      problems.push(`sites[${si}].locations[${li}].s3 is only for s3 storage`);
    }
  }
  return problems;
}

function duplicates<T>(items: T[], key: keyof T | ((item: T) => unknown), path: (i: number) => string): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  items.forEach((item, i) => {
    const value = typeof key === 'function' ? key(item) : item?.[key];
    if (typeof value !== 'string') return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else problems.push(`${path(i)} "${value}" is already used by ${path(first)}`);
  });
  return problems;
}
