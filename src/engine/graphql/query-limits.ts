import {
  ASTVisitor,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';

export interface QueryLimits {
  /** Fields nested deeper than this: with lists of up to 1,000 nodes on several levels, depth multiplies rows. */
  maxDepth: number;
  /** Fields selected in all, aliases and fragment spreads counted each time they are used. */
  maxFields: number;
}

interface Shape {
  depth: number;
  fields: number;
}

/**
 * Refuses operations nested deeper than `maxDepth` or selecting more than `maxFields` fields (fragments
 * expanded): what lets one request ask for millions of rows, or the same list a thousand times by alias.
 * Each fragment is measured once, so a document whose fragments spread each other twice over (2^n fields
 * from n lines) costs its length to measure, not 2^n.
 */
export function queryLimits(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    }
    const measured = new Map<string, Shape>();
    const measuring = new Set<string>();

    const fragmentShape = (name: string): Shape => {
      const known = measured.get(name);
      if (known) return known;
      // A cycle (reported by GraphQL's own NoFragmentCycles rule) or an unknown fragment adds nothing here.
      const fragment = fragments.get(name);
      if (!fragment || measuring.has(name)) return { depth: 0, fields: 0 };
      measuring.add(name);
      const shape = shapeOf(fragment.selectionSet);
      measuring.delete(name);
      measured.set(name, shape);
      return shape;
    };

    const shapeOf = (set: SelectionSetNode | undefined): Shape => {
      const shape = { depth: 0, fields: 0 };
      for (const s of set?.selections ?? []) {
        const inner =
          s.kind === Kind.FIELD
            ? (({ depth, fields }) => ({ depth: depth + 1, fields: fields + 1 }))(shapeOf(s.selectionSet))
            : s.kind === Kind.INLINE_FRAGMENT
              ? shapeOf(s.selectionSet)
              : fragmentShape(s.name.value);
        shape.depth = Math.max(shape.depth, inner.depth);
        shape.fields += inner.fields;
      }
      return shape;
    };

    return {
      OperationDefinition(node) {
        const { depth, fields } = shapeOf(node.selectionSet);
        const refuse = (message: string) =>
          context.reportError(
            new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
          );
        if (depth > limits.maxDepth)
          refuse(`query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`);
        if (fields > limits.maxFields)
          refuse(
            `query selects ${fields} fields (aliases and fragments counted each time they are used); at most ${limits.maxFields} are allowed`,
          );
      },
    };
  };
}
