import { hostileInputReason } from './hostile-input';

describe('hostileInputReason', () => {
  it('passes ordinary JSON, non-BMP characters included', () => {
    expect(hostileInputReason({ a: [1, 'é', { b: null, c: '🔭 ok' }], d: true })).toBeNull();
  });

  it.each([
    [{ a: 'x\u0000y' }, 'a: must not contain NUL characters'],
    [{ files: [{}, { metadata: { note: '\u0000' } }] }, 'files[1].metadata.note: must not contain NUL'],
    [{ a: 'x\ud800y' }, 'a: must be valid Unicode'],
    [{ a: '\udfff' }, 'a: must be valid Unicode'],
    [{ 'k\u0000': 1 }, 'body key "k\\u0000": must not contain NUL'],
    [JSON.parse('{"__proto__": {"polluted": true}}'), '__proto__: the key __proto__ is not allowed'],
    [{ m: { constructor: { prototype: {} } } }, 'm.constructor: the key constructor is not allowed'],
  ])('refuses %j', (value, reason) => {
    expect(hostileInputReason(value)).toContain(reason);
  });

  it('names a GraphQL argument by its name', () => {
    expect(hostileInputReason({ name: 'a\u0000' }, 'input')).toBe(
      'input.name: must not contain NUL characters',
    );
  });

  it('refuses nesting deeper than it walks', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(hostileInputReason(deep)).toMatch(/nested more than 64 levels/);
  });
});
