import { ASTVisitor, GraphQLError, Kind, SelectionSetNode, ValidationContext } from 'graphql';

/**
 * Refuses operations nested deeper than `max` fields (fragments followed): with lists of up to 1,000
 * nodes on several levels, depth is what would let one request ask for millions of rows.
 */
export function depthLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.flatMap((d) =>
          d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
        ),
    );
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD)
          deepest = Math.max(deepest, s.selectionSet ? 1 + depthOf(s.selectionSet, seen) : 1);
        else if (s.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(s.selectionSet, seen));
        else if (!seen.has(s.name.value)) {
          const fragment = fragments.get(s.name.value);
          deepest = Math.max(deepest, depthOf(fragment?.selectionSet, new Set([...seen, s.name.value])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max)
          context.reportError(
            new GraphQLError(`query is ${depth} levels deep; at most ${max} are allowed`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
      },
    };
  };
}
