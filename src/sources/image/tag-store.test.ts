// The in-memory tag store: per ImageRepository, per canonical image name, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageTagStore } from './tag-store.ts';

void test('tags are kept per object and only read back for the image they were scanned from', () => {
  const store = new ImageTagStore();
  store.set('ns/app', 'localhost:5000/app', ['1.0.0', '1.1.0']);
  assert.deepEqual(store.tags('ns/app', 'localhost:5000/app'), ['1.0.0', '1.1.0']);
  assert.deepEqual(store.tags('ns/app', 'localhost:5000/other'), [], 'a changed image is not served stale tags');
  assert.deepEqual(store.tags('ns/other', 'localhost:5000/app'), []);
  store.delete('ns/app');
  assert.deepEqual(store.tags('ns/app', 'localhost:5000/app'), []);
});

void test('a scan above the cap is refused and the previous tags are kept', () => {
  const store = new ImageTagStore({ maxTagsPerRepository: 3 });
  store.set('ns/app', 'r/app', ['a', 'b']);
  assert.throws(
    () => store.set('ns/app', 'r/app', ['a', 'b', 'c', 'd']),
    /4 tags, above the 3 kept per ImageRepository/,
  );
  assert.deepEqual(store.tags('ns/app', 'r/app'), ['a', 'b']);
});
