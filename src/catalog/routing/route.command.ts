import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { RouteService, RouteView } from './route.service';

const show = (r: RouteView) =>
  `route ${r.id}: ${r.type} ${r.from} -> ${r.via ? `${r.via} -> ` : ''}${r.to}${r.active ? '' : ' (inactive)'}`;

@SubCommand({
  name: 'add',
  arguments: '<relay|direct|custom>',
  description:
    'relay --from <site> --to <site> --via <site>: data bound for --to goes through --via first; ' +
    'direct --from <site> --to <site>: packages go into the archive of --to straight from the buffers of --from; ' +
    'custom --from <site_location> --to <site_location>: transfers from that location to that site land there',
})
export class RouteAddCommand extends CommandRunner {
  constructor(private readonly routes: RouteService) {
    super();
  }

  async run([type]: string[], o: { from?: string; to?: string; via?: string }): Promise<void> {
    if (!o.from || !o.to) throw new Error('--from and --to are required');
    if (type === 'relay') {
      if (!o.via) throw new Error('a relay route needs --via <site>');
      console.log(`Added ${show(await this.routes.addRelay(o.from, o.to, o.via))}.`);
    } else if (type === 'direct') {
      console.log(`Added ${show(await this.routes.addDirect(o.from, o.to))}.`);
    } else if (type === 'custom') {
      console.log(`Added ${show(await this.routes.addCustom(o.from, o.to))}.`);
    } else {
      throw new Error(`no route type "${type}": relay, direct or custom`);
    }
  }

  @Option({ flags: '--from <name>' })
  parseFrom(v: string): string {
    return v;
  }

  @Option({ flags: '--to <name>' })
  parseTo(v: string): string {
    return v;
  }

  @Option({ flags: '--via <site>' })
  parseVia(v: string): string {
    return v;
  }
}

@SubCommand({ name: 'list', description: 'Every route' })
export class RouteListCommand extends CommandRunner {
  constructor(private readonly routes: RouteService) {
    super();
  }

  async run(): Promise<void> {
    const all = await this.routes.list();
    console.log(
      all.length ? all.map(show).join('\n') : 'No routes: round robin and replication decide alone.',
    );
  }
}

@SubCommand({ name: 'remove', arguments: '<id>', description: 'Remove a route' })
export class RouteRemoveCommand extends CommandRunner {
  constructor(private readonly routes: RouteService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    if (!/^\d+$/.test(id)) throw new Error(`"${id}" is not a route id`);
    await this.routes.remove(Number(id));
    console.log(`Removed route ${id}.`);
  }
}

@Command({
  name: 'route',
  description: 'Routes that override the default routing (relay through a site, custom landing location)',
  subCommands: [RouteAddCommand, RouteListCommand, RouteRemoveCommand],
})
export class RouteCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
