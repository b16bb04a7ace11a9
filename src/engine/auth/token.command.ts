import { printTable } from '../report/report-table';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { ApiToken, TokenScope } from './api-token.entity';
import { ApiTokenService } from './api-token.service';
import { bindingOf, describeBinding } from './ingest-binding';
import { describeSiteBinding } from './transfer-binding';

/** What a token is bound to, ingest and transfer bindings alike: "instrument primecam", "site us" or "-". */
function boundTo(t: Pick<ApiToken, 'instruments' | 'sources' | 'site'>): string {
  const binding = bindingOf(t.instruments, t.sources);
  const parts = [binding ? describeBinding(binding) : null, describeSiteBinding(t.site)];
  return parts.filter((p) => p !== null).join('; ') || '-';
}

@SubCommand({
  name: 'create',
  description: 'Create an API token; it is shown once and stored only as a hash',
})
export class TokenCreateCommand extends CommandRunner {
  constructor(private readonly tokens: ApiTokenService) {
    super();
  }

  async run(
    _args: string[],
    options: {
      name?: string;
      scopes?: TokenScope[];
      quiet?: boolean;
      instrument?: string[];
      source?: string[];
      site?: string;
    },
  ): Promise<void> {
    if (!options.name) throw new Error('--name is required');
    const { token, record } = await this.tokens.create(options.name, options.scopes ?? [], {
      instruments: options.instrument,
      sources: options.source,
      site: options.site,
    });
    if (options.quiet) {
      console.log(token);
      return;
    }
    const bound = boundTo(record);
    console.log(
      `Created token ${record.name} with scopes ${record.scopes.join(',')}` +
        (bound !== '-' ? `, bound to ${bound}.` : '.'),
    );
    console.log('Store it now; it cannot be shown again:');
    console.log(token);
  }

  @Option({ flags: '--name <name>', description: 'Unique name, e.g. instrument-primecam', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({
    flags: '--scopes <list>',
    description: 'Comma-separated: ingest, read, transfer, admin',
    required: true,
  })
  parseScopes(value: string): TokenScope[] {
    return value.split(',').map((s) => s.trim()) as TokenScope[];
  }

  @Option({
    flags: '--instrument <list>',
    description:
      'Ingest tokens: register only for these instruments (comma-separated; a site relay lists all of its own)',
  })
  parseInstrument(value: string): string[] {
    return value.split(',');
  }

  @Option({
    flags: '--source <list>',
    description:
      'Ingest tokens: register files only at these source locations (comma-separated site/location)',
  })
  parseSource(value: string): string[] {
    return value.split(',');
  }

  @Option({
    flags: '--site <site>',
    description:
      "Transfer tokens: pull only what open work bound for this site reads (each site's workers get their own)",
  })
  parseSite(value: string): string {
    return value;
  }

  @Option({ flags: '--quiet', description: 'Print only the token (for scripts)' })
  parseQuiet(): boolean {
    return true;
  }
}

@SubCommand({ name: 'revoke', arguments: '<name>', description: 'Revoke a token by name' })
export class TokenRevokeCommand extends CommandRunner {
  constructor(private readonly tokens: ApiTokenService) {
    super();
  }

  async run([name]: string[]): Promise<void> {
    await this.tokens.revoke(name);
    console.log(`Revoked token ${name}.`);
  }
}

@SubCommand({ name: 'list', description: 'List tokens (names, prefixes, scopes; never secrets)' })
export class TokenListCommand extends CommandRunner {
  constructor(private readonly tokens: ApiTokenService) {
    super();
  }

  async run(): Promise<void> {
    const rows = await this.tokens.list();
    if (rows.length === 0) {
      console.log('No tokens. Create one with: ccat-dt token create --name NAME --scopes ingest');
      return;
    }
    printTable(
      rows.map((t) => ({
        name: t.name,
        prefix: t.prefix,
        scopes: t.scopes.join(','),
        bound: boundTo(t),
        created: t.createdAt.toISOString(),
        lastUsed: t.lastUsedAt?.toISOString() ?? '-',
        revoked: t.revokedAt?.toISOString() ?? '-',
      })),
    );
  }
}

@Command({
  name: 'token',
  description: 'Manage API tokens',
  subCommands: [TokenCreateCommand, TokenRevokeCommand, TokenListCommand],
})
export class TokenCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
