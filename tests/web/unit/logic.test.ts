import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../../web/src/backoff';
import { describeError, formatBytes } from '../../../web/src/errors';
import { continuesGroup, formatTime, groupEntries, GROUP_GAP_MS } from '../../../web/src/grouping';
import {
  helloFrame,
  historyFrame,
  messageFrame,
  normaliseRoom,
  parseServerFrame,
  pongFrame,
  utf8Length,
} from '../../../web/src/protocol';
import type { Entry } from '../../../web/src/state';

test('backoff doubles from 0.5 s to 15 s with jitter, and starts over after a success', () => {
  const low = new Backoff(500, 15000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => low.next()), [375, 750, 1500, 3000, 6000, 11250, 11250]);
  const high = new Backoff(500, 15000, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => high.next()), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  high.reset();
  assert.equal(high.next(), 500);
  const many = new Backoff();
  for (let i = 0; i < 100; i++) assert.ok(many.next() <= 15000);
});

test('grouping: same sender within 5 minutes shares a header; events and other senders break it', () => {
  const m = (user: string, ts: number): Entry => ({ kind: 'message', id: ts, ts, user, text: '' });
  const entries: Entry[] = [
    m('bob', 0),
    m('Bob', 1000),
    m('carol', 2000),
    { kind: 'event', ts: 2500, text: 'dave joined' },
    m('carol', 3000),
    m('carol', 3000 + GROUP_GAP_MS),
    { kind: 'pending', ref: 'm:1', ts: 3000 + GROUP_GAP_MS + 1, user: 'carol', text: '' },
  ];
  const groups = groupEntries(entries);
  assert.deepEqual(groups.map((g) => [g.user, g.entries.length]), [
    ['bob', 2],
    ['carol', 1],
    [null, 1],
    ['carol', 1],
    ['carol', 2],
  ]);
  assert.equal(continuesGroup(undefined, entries[0]), false);
});

test('time: hours today, weekday this week, date before', () => {
  const now = new Date(2026, 11, 1, 15, 30).getTime();
  assert.equal(formatTime(new Date(2026, 11, 1, 9, 5).getTime(), now), '09:05');
  assert.match(formatTime(new Date(2026, 10, 29, 9, 5).getTime(), now), /^[A-Z][a-z]{2} 09:05$/);
  assert.equal(formatTime(new Date(2026, 0, 2, 9, 5).getTime(), now), '2026-01-02 09:05');
});

test('frames the page sends', () => {
  assert.deepEqual(JSON.parse(helloFrame({ name: 'alice' })), { type: 'hello', name: 'alice', protocol: 1 });
  assert.deepEqual(JSON.parse(helloFrame({ name: 'a', password: 'pw', register: true, since: 7, rooms: ['#x'] })), {
    type: 'hello', name: 'a', protocol: 1, password: 'pw', register: true, since: 7, rooms: ['#x'],
  });
  assert.equal(JSON.parse(helloFrame({ name: 'a', serverPassword: 'open sesame' })).server_password, 'open sesame');
  // since 0 means "nothing seen": no resume; register without a password is meaningless.
  assert.deepEqual(JSON.parse(helloFrame({ name: 'a', register: true, since: 0, rooms: [] })), { type: 'hello', name: 'a', protocol: 1 });
  assert.deepEqual(JSON.parse(messageFrame('bob,carol', 'hi', 'm:1')), { type: 'message', dest: 'bob,carol', message: 'hi', ref: 'm:1' });
  assert.deepEqual(JSON.parse(pongFrame(42)), { type: 'pong', ref: 42 });
  assert.deepEqual(JSON.parse(pongFrame(undefined)), { type: 'pong' });
  assert.deepEqual(JSON.parse(historyFrame('#dev', 'h:#dev')), { type: 'history', with: '#dev', limit: 100, ref: 'h:#dev' });
});

test('frames the page reads: good ones parsed, malformed ones ignored', () => {
  assert.deepEqual(parseServerFrame('{"type":"ping","ref":3}'), { type: 'ping', ref: 3 });
  const m = parseServerFrame('{"type":"message","id":1,"ts":2,"user":"bob","dest":"ALL","message":"hi","replay":true}');
  assert.equal(m?.type, 'message');
  assert.equal(parseServerFrame('{"type":"message","id":"1","ts":2,"user":"bob","dest":"ALL","message":"hi"}'), null);
  assert.equal(parseServerFrame('{"type":"history","with":"ALL","messages":[{"id":1}]}'), null);
  assert.equal(parseServerFrame('not json'), null);
  assert.equal(parseServerFrame('[1]'), null);
  assert.equal(parseServerFrame('{"type":"surprise"}'), null);
  assert.equal(parseServerFrame('{"type":"error","code":"too_large"}'), null);
  assert.equal(parseServerFrame('{"type":"error","code":"too_large","message":"Frame too large"}')?.type, 'error');
});

test('utf8Length counts bytes as the server does', () => {
  assert.equal(utf8Length('abc'), 3);
  assert.equal(utf8Length('é'), 2);
  assert.equal(utf8Length('€'), 3);
  assert.equal(utf8Length('😀'), 4);
});

test('room names typed by the user', () => {
  assert.equal(normaliseRoom('dev'), '#dev');
  assert.equal(normaliseRoom(' #dev '), '#dev');
  assert.equal(normaliseRoom('#'), null);
  assert.equal(normaliseRoom('a b'), null);
  assert.equal(normaliseRoom('a,b'), null);
  assert.equal(normaliseRoom('x'.repeat(33)), null);
  assert.equal(normaliseRoom('x'.repeat(32)), '#' + 'x'.repeat(32));
});

test('errors are told in words: too large names the limit, others keep the server text', () => {
  assert.equal(
    describeError({ code: 'too_large', message: 'Frame too large' }, 65536),
    'Message too large: the server takes at most 64 KiB per message. It was not sent.',
  );
  assert.equal(describeError({ code: 'name_taken', message: 'The name bob is already taken' }), 'The name bob is already taken: pick another name.');
  assert.equal(describeError({ code: 'rate_limited', message: 'Too many messages: wait 0.4 s and send again', retry_after_ms: 400 }), 'Too many messages: wait 0.4 s and send again');
  assert.equal(formatBytes(1000), '1000 bytes');
  assert.equal(formatBytes(4 * 1024 * 1024), '4 MiB');
});
