import { buildSchema, parse, validate } from 'graphql';
import { queryLimits } from './query-limits';

const schema = buildSchema(`
  type Site { id: Int! name: String! locations: [Location!]! }
  type Location { id: Int! site: Site! }
  type Query { sites: [Site!]! }
`);
const errorsOf = (query: string) =>
  validate(schema, parse(query), [queryLimits({ maxDepth: 8, maxFields: 200 })]).map((e) => e.message);

describe('queryLimits', () => {
  it('passes an ordinary query', () => {
    expect(errorsOf('{ sites { id name locations { id site { name } } } }')).toEqual([]);
  });

  it('refuses nesting deeper than the limit, fragments followed', () => {
    expect(
      errorsOf(
        '{ sites { locations { site { locations { site { locations { site { locations { site { id } } } } } } } } } }',
      ),
    ).toEqual(['query is 10 levels deep; at most 8 are allowed']);
    expect(
      errorsOf(
        'fragment L on Location { site { locations { site { locations { id } } } } } { sites { locations { site { locations { ...L } } } } }',
      ),
    ).toEqual(['query is 9 levels deep; at most 8 are allowed']);
  });

  it('refuses a thousand aliases of one list', () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: sites { id }`).join(' ');
    expect(errorsOf(`{ ${aliases} }`)).toEqual([
      'query selects 2000 fields (aliases and fragments counted each time they are used); at most 200 are allowed',
    ]);
  });

  // Found by the fuzz test: measuring walked each spread again, so 40 lines of fragments hung the api.
  it('measures fragments that spread each other twice over without expanding them', () => {
    const defs = ['fragment F0 on Query { sites { id } }'];
    for (let i = 1; i <= 60; i++) defs.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
    const [error] = errorsOf(`{ ...F60 } ${defs.join(' ')}`);
    expect(error).toMatch(/^query selects 2305843009213694000 fields/);
  });

  it('leaves fragment cycles to GraphQL’s own rule instead of looping', () => {
    expect(
      errorsOf('fragment A on Query { ...B sites { id } } fragment B on Query { ...A } { ...A }'),
    ).toEqual([]);
  });
});
