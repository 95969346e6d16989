// Parsed FHIRPath expressions, cached: the engine's own matcher parses an expression again
// on every evaluation, which dominates the cost of indexing and sorting.

import { parseFhirPath } from '@medplum/core';

const parsedExpressions = new Map();

/** Returns the parsed form of a search parameter expression, parsing it on first use. */
export function parseExpressionOnce(expression) {
  let atom = parsedExpressions.get(expression);
  if (!atom) {
    atom = parseFhirPath(expression);
    parsedExpressions.set(expression, atom);
  }
  return atom;
}
