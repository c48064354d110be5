import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelCompileError, CelEvalError, compileCel } from './cel.ts';

void test('CEL: macros, map keys with dots, JSON integers as ints, ternaries', () => {
  const obj = {
    metadata: { generation: 3, labels: { 'app/version': 'v1.2.3' } },
    status: { observedGeneration: 3, replicas: 2, conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const cases: [string, unknown][] = [
    ["status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')", true],
    ['metadata.generation == status.observedGeneration', true],
    ["metadata.labels['app/version'] == 'v1.2.3'", true],
    ['has(status.conditions) && size(status.conditions) == 1', true],
    ["status.replicas > 1 ? 'many' : 'one'", 'many'],
    ['string(status.replicas)', '2'],
    ['status.replicas + 1', 3],
    ["'A-b'.lowerAscii().split('-')", ['a', 'b']],
  ];
  for (const [source, want] of cases) assert.deepEqual(compileCel(source).evaluate(obj), want, source);
});

void test('CEL: syntax errors and undeclared variables do not compile', () => {
  for (const source of ['', 'a +', 'status.conditions.exists(c, c.type ==', "'unterminated"]) {
    assert.throws(() => compileCel(source), CelCompileError, source);
  }
  assert.throws(
    () => compileCel('secrets.token == 1', { variables: ['self', 'dep'] }),
    /undeclared reference to 'secrets'/,
  );
  // Comprehension variables are not free.
  compileCel("dep.status.conditions.exists(c, c.type == 'Ready') && self.x == 1", { variables: ['self', 'dep'] });
});

void test('CEL: a missing field or a wrong result type is an evaluation error', () => {
  assert.throws(() => compileCel('status.foo == 1').evaluateBool({ status: {} }), CelEvalError);
  assert.throws(() => compileCel("'x'").evaluateBool({}), /must return a bool, got string/);
  assert.throws(() => compileCel('1 == 1').evaluateString({}), /must return a string, got boolean/);
  assert.equal(
    compileCel("a.split('-').first().value() + b.split('-').last()").evaluateString({ a: 'x-y', b: 'p-q' }),
    'xq',
  );
  assert.throws(() => compileCel('[].first()').evaluate({}), CelEvalError);
});
