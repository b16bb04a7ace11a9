import { QueryFailedError, SelectQueryBuilder } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { paginate } from './connection';

const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

/** Just enough of a query builder: records nothing, answers `getMany` as told. */
function fakeQuery(getMany: () => Promise<unknown[]>) {
  const q = {
    andWhere: () => q,
    orderBy: () => q,
    addOrderBy: () => q,
    limit: () => q,
    getMany,
  };
  return q as unknown as SelectQueryBuilder<{ id: number }>;
}

const page = (after?: string) => ({ first: 10, after });

/** Found by the fuzz test (test/fuzz-graphql.e2e-spec.ts): a forged cursor was a 500. */
describe('paginate with a cursor it never returned', () => {
  it.each([[[true]], [[{ a: 1 }]], [[[1]]], [[null]], [[1, 2]]])(
    'refuses %j before querying',
    async (values) => {
      const query = fakeQuery(() => Promise.reject(new Error('must not be queried')));
      const refusal = await paginate(query, [['x.id', 'id']], page(cursorOf(values))).catch(
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(DomainError);
      expect((refusal as DomainError).message).toBe('after: not a cursor this list returned');
    },
  );

  it('refuses a value the key column cannot hold (PostgreSQL data exception) as bad input', async () => {
    const invalidUuid = new QueryFailedError(
      'SELECT',
      [],
      Object.assign(new Error('invalid input'), { code: '22P02' }),
    );
    const query = fakeQuery(() => Promise.reject(invalidUuid));
    await expect(paginate(query, [['x.id', 'id']], page(cursorOf(['zz'])))).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'after: not a cursor this list returned',
    });
  });

  it('lets any other database failure through as it is', async () => {
    const down = new QueryFailedError('SELECT', [], Object.assign(new Error('gone'), { code: '57P01' }));
    await expect(
      paginate(
        fakeQuery(() => Promise.reject(down)),
        [['x.id', 'id']],
        page(cursorOf([1])),
      ),
    ).rejects.toBe(down);
  });
});
