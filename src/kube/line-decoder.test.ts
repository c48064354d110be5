import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDecoder } from './line-decoder.ts';

const decodeIn = (chunks: Buffer[]): string[] => {
  const d = new LineDecoder();
  return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
};

const text = '{"a":"héllo"}\n{"b":"日本語 🚀"}\n\n{"c":"x"}\n';

void test('every way of cutting the stream into two chunks gives the same lines', () => {
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(decodeIn([bytes.subarray(0, cut), bytes.subarray(cut)]), [
      '{"a":"héllo"}',
      '{"b":"日本語 🚀"}',
      '{"c":"x"}',
    ]);
  }
});

void test('one byte at a time gives the same lines', () => {
  const bytes = Buffer.from(text);
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(decodeIn(chunks), ['{"a":"héllo"}', '{"b":"日本語 🚀"}', '{"c":"x"}']);
});

void test('a last line without a newline is returned at the end; CRLF is trimmed', () => {
  const d = new LineDecoder();
  assert.deepEqual(d.push(Buffer.from('one\r\ntw')), ['one']);
  assert.deepEqual(d.push(Buffer.from('o')), []);
  assert.deepEqual(d.end(), ['two']);
  assert.deepEqual(d.end(), []);
});

void test('chunks that are views into a larger buffer are read at their own offset', () => {
  const big = Buffer.from('xxxxline-1\nline-2\nyyyy');
  assert.deepEqual(decodeIn([big.subarray(4, 18)]), ['line-1', 'line-2']);
});
